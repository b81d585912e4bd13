import { COMMANDS } from "../../commands/catalog.ts";
import { emojiByName, searchShortcodes } from "../../emoji/shortcodes.ts";
import type { Input } from "./editor.ts";
import type { TuiState } from "./state.ts";

// The one place the TUI reads the command catalog.
const commandWords = () => COMMANDS.map((c) => `/${c.name}`);

/** What Tab leaves: the input, and the candidates to list when several match (at most 12). */
export interface Completion {
  input: Input;
  completions: string[];
}

/**
 * Tab: completes the word before the cursor — a /command (first word only), an @person or a
 * #channel. One match is completed with a space after it; several are completed as far as they
 * agree and listed. Undefined when nothing matches, so nothing changes.
 */
export function complete(
  s: Pick<TuiState, "input" | "members" | "channels"> & Partial<Pick<TuiState, "customCommands">>,
): Completion | undefined {
  const { text, cursor } = s.input;
  const before = text.slice(0, cursor);
  const word = /(\S*)$/.exec(before)?.[1] ?? "";
  let options: string[] = [];
  if (word.startsWith("/") && before === word)
    options = [...commandWords(), ...(s.customCommands ?? []).map((name) => `/${name}`)];
  else if (word.startsWith("@")) options = s.members.map((m) => `@${m.user.username}`);
  else if (word.startsWith("#")) options = s.channels.map((c) => `#${c.label}`);
  else if (word.startsWith(":") && word.length > 2)
    options = searchShortcodes(word, 12).map((e) => `:${e.name}:`);
  const matches = options.filter((o) => o.startsWith(word.toLowerCase()) || o.startsWith(word));
  if (matches.length === 0) return undefined;
  const shared = matches.reduce((a, b) => {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return a.slice(0, i);
  });
  // One emoji shortcode left: it becomes the emoji itself, as the web composer does.
  const completed =
    matches.length === 1 ? `${(word.startsWith(":") && emojiByName(shared)) || shared} ` : shared;
  const start = before.length - word.length;
  return {
    input: {
      ...s.input,
      text: text.slice(0, start) + completed + text.slice(cursor),
      cursor: start + completed.length,
    },
    completions: matches.length > 1 ? matches.slice(0, 12) : [],
  };
}
