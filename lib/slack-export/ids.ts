/** What a Slack id names; its first letter, as Slack spells them. */
const PREFIX = {
  team: "T",
  user: "U",
  bot: "B",
  channel: "C",
  group: "G",
  dm: "D",
  file: "F",
} as const;
export type SlackIdKind = keyof typeof PREFIX;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * A Slack-style id for one of our rows: the kind's letter and 10 base32 characters of the SHA-256 of
 * our uuid. The same row gets the same id in every export, so two exports (or an export and a
 * re-import keyed by Slack ids) agree; 50 bits keep collisions out of any one workspace's reach.
 */
export function slackId(kind: SlackIdKind, uuid: string): string {
  const digest = new Bun.CryptoHasher("sha256").update(uuid).digest();
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 10) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 10) break;
  }
  return PREFIX[kind] + out;
}

/** Microseconds since the epoch (as Postgres keeps them) as a Slack `ts`: "seconds.micros". */
export function microsToTs(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const rest = micros % 1_000_000n;
  return `${seconds}.${String(rest).padStart(6, "0")}`;
}

/** Whole seconds of a Slack `ts`, as the conversation lists' `created` fields count time. */
export const tsSeconds = (micros: bigint) => Number(micros / 1_000_000n);

/** The UTC day (`YYYY-MM-DD`) a `ts` falls on: the name of its daily file. */
export const dayOf = (micros: bigint) => new Date(Number(micros / 1000n)).toISOString().slice(0, 10);
