import { emojiByName } from "../emoji/shortcodes.ts";

/** `:tada:` or `tada` as 🎉 (the shared shortcode table); anything else is passed on for the server to judge. */
export function emojiOf(text: string): string {
  return emojiByName(text.trim()) ?? text.trim();
}
