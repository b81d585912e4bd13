// The server takes only unicode emoji; terminals make them hard to type, so these names work too.
const SHORTCODES: Record<string, string> = {
  "+1": "👍",
  thumbsup: "👍",
  "-1": "👎",
  thumbsdown: "👎",
  heart: "❤️",
  tada: "🎉",
  eyes: "👀",
  rocket: "🚀",
  fire: "🔥",
  joy: "😂",
  smile: "😄",
  laughing: "😆",
  pray: "🙏",
  wave: "👋",
  ok_hand: "👌",
  white_check_mark: "✅",
  check: "✅",
  x: "❌",
  warning: "⚠️",
  "100": "💯",
  thinking: "🤔",
  clap: "👏",
  bug: "🐛",
  ship: "🚢",
};

/** `:tada:` or `tada` as 🎉; anything else is passed on for the server to judge. */
export function emojiOf(text: string): string {
  const name = text.trim().replace(/^:|:$/g, "");
  return SHORTCODES[name] ?? text.trim();
}
