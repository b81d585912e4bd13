// Faces in a terminal: a person's initials on a colour of their own, the same on every screen.
const PALETTE = ["#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#d19a66", "#be5046"];

/** Up to two initials of a name: "Alice Smith" → "AS", "bob" → "B". */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/[\s._-]+/)
    .filter(Boolean);
  const letters = words.length > 1 ? [words[0], words.at(-1)] : words;
  return letters.map((w) => [...(w ?? "")][0]?.toUpperCase() ?? "").join("") || "?";
}

/** The colour of someone's face, from what identifies them (their id, or a webhook's name). */
export function faceColour(key: string): string {
  let h = 0;
  for (const ch of key) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[h % PALETTE.length] as string;
}
