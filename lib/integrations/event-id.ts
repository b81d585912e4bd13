import type { Envelope } from "../bus/envelope.ts";

/** JSON with object keys sorted, so the same event reads the same wherever it was decoded. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
}

/**
 * An event's id for receivers' deduplication (`Ev…`, as Slack's): a hash of the event itself, so
 * every api instance that sees it names it alike, and a bus whose sequence numbers begin again
 * after a restart cannot give a new event an old one's id (its timestamp and ids differ).
 */
export function eventIdOf(subject: string, event: Envelope): string {
  const hash = new Bun.CryptoHasher("sha256").update(`${subject}\n${stableJson(event)}`).digest("hex");
  return `Ev${hash.slice(0, 32)}`;
}
