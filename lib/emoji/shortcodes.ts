import { gemoji } from "gemoji";

/**
 * The one table of `:shortcode:` names (GitHub's gemoji, the names Slack and Mattermost users type)
 * for every client: composers' autocomplete, reactions, the terminal's emoji input.
 */
const BY_NAME = new Map<string, string>();
for (const g of gemoji) for (const name of g.names) BY_NAME.set(name, g.emoji);
// Names people reach for that gemoji spells otherwise.
BY_NAME.set("check", "✅");
BY_NAME.set("thinking", "🤔");

const NAMES = [...BY_NAME.keys()].sort();

/** The emoji a shortcode (`tada` or `:tada:`) stands for, if it is one. */
export function emojiByName(name: string): string | undefined {
  return BY_NAME.get(name.replace(/^:|:$/g, "").toLowerCase());
}

/** Shortcodes that start with `prefix` (without colons), shortest first, at most `limit`. */
export function searchShortcodes(prefix: string, limit = 8): { name: string; emoji: string }[] {
  const p = prefix.replace(/^:/, "").toLowerCase();
  if (!p) return [];
  return NAMES.filter((n) => n.startsWith(p))
    .sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
    .slice(0, limit)
    .map((name) => ({ name, emoji: BY_NAME.get(name) as string }));
}

const BY_EMOJI = new Map<string, string>();
for (const g of gemoji) if (g.names[0]) BY_EMOJI.set(g.emoji, g.names[0]);
// Slack's skin-tone suffixes, by the Fitzpatrick modifier's offset from U+1F3FB.
const SKIN_TONE = /[\u{1F3FB}-\u{1F3FF}]/u;

/**
 * The shortcode Slack names an emoji by (`👍` → `+1`, `👍🏽` → `+1::skin-tone-4`); the emoji itself
 * when it has none, so nothing is lost.
 */
export function shortcodeOf(emoji: string): string {
  const tone = SKIN_TONE.exec(emoji);
  const base = tone ? emoji.replace(SKIN_TONE, "") : emoji;
  const name = BY_EMOJI.get(base) ?? BY_EMOJI.get(base.replace(/\uFE0F/g, ""));
  if (!name) return emoji;
  return tone ? `${name}::skin-tone-${(tone[0].codePointAt(0) as number) - 0x1f3fb + 2}` : name;
}
