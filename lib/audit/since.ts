import { parseDuration } from "../commands/duration.ts";
import { invalid } from "../errors.ts";

/** `--since 2026-12-01`, an ISO time, or a duration back from now (`90m`, `2d`). */
export function parseSince(text: string | undefined, now = Date.now()): Date | undefined {
  if (text === undefined) return undefined;
  const ago = parseDuration(text, 3650 * 86_400_000);
  if (ago !== null) return new Date(now - ago);
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) {
    throw invalid(`--since takes a time (2026-12-01) or a duration (2d), not "${text}"`);
  }
  return at;
}
