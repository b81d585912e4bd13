const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const DURATION = /^(?:\d{1,6}[mhdw])+$/;

/**
 * Milliseconds of a duration like `10m`, `2h`, `1d`, `1w` or `1h30m`; null when it is malformed,
 * zero, or longer than `maxMs`.
 */
export function parseDuration(text: string, maxMs: number): number | null {
  const lower = text.toLowerCase();
  if (!DURATION.test(lower)) return null;
  let total = 0;
  for (const [, amount, unit] of lower.matchAll(/(\d+)([mhdw])/g)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return total > 0 && total <= maxMs ? total : null;
}

/** `90m` → `1h 30m`, for replies. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let left = Math.round(ms / 60_000);
  for (const [unit, size] of [
    ["d", 1440],
    ["h", 60],
    ["m", 1],
  ] as const) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  return parts.join(" ") || "0m";
}
