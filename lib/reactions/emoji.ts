import emojiRegex from "emoji-regex";
import { invalid } from "../errors.ts";

const pattern = emojiRegex();
const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * The emoji, normalised, if `text` is exactly one unicode emoji (a single grapheme, including
 * skin tones, ZWJ sequences and flags); 400 otherwise, so reactions cannot carry arbitrary text.
 */
export function checkEmoji(text: string): string {
  const emoji = text.normalize("NFC");
  const graphemes = [...segmenter.segment(emoji)];
  pattern.lastIndex = 0;
  const match = pattern.exec(emoji);
  if (graphemes.length !== 1 || !match || match[0] !== emoji) {
    throw invalid("emoji: must be a single unicode emoji, like 👍", "invalid_emoji");
  }
  return emoji;
}
