import type { KeyEvent } from "@opentui/core";
import type { MessageJson } from "../../client/views.ts";

/**
 * The TUI's input line as a value: an edit takes the input and returns the next one, so the app only
 * routes keys and draws. An edit that changes nothing returns the same object.
 */
export interface Input {
  text: string;
  cursor: number;
  /** The message being edited; null while writing a new one. */
  editing: string | null;
}

type Key = Pick<KeyEvent, "name" | "ctrl" | "meta" | "sequence">;

export const emptyInput = (): Input => ({ text: "", cursor: 0, editing: null });

/**
 * The input is one line; a message's line breaks show in it as ⏎ (typed with Alt+Enter, kept from a
 * paste or from the message being edited) and become line breaks again when it is sent, so editing
 * a multi-line message or a code block keeps its lines.
 */
const LINE_BREAK = "⏎";
const toInputLine = (text: string) => text.replace(/\r?\n/g, LINE_BREAK);

/** What Enter sends: the line breaks back, the surrounding space trimmed. */
export const messageText = (input: Input) => input.text.replaceAll(LINE_BREAK, "\n").trim();

/** A message's text as the input (a send that failed, a message to edit), the cursor at its end. */
export function draft(text: string, editing: string | null = null): Input {
  const line = toInputLine(text);
  return { text: line, cursor: line.length, editing };
}

/** ↑ on an empty input: my newest message among `messages`, to edit; undefined when I have none. */
export function editLast(messages: readonly MessageJson[], meId: string): Input | undefined {
  const mine = messages.filter((m) => m.author.id === meId && !m.deleted).at(-1);
  return mine && draft(mine.body_md, mine.id);
}

function insert(input: Input, text: string): Input {
  if (!text) return input;
  const { text: now, cursor } = input;
  return { ...input, text: now.slice(0, cursor) + text + now.slice(cursor), cursor: cursor + text.length };
}

/** Pasted text goes in at the cursor as typed, its line breaks kept as ⏎ (a paste never sends). */
export const paste = (input: Input, text: string) => insert(input, toInputLine(text));

/** The cursor at `at`, kept within the text. */
function moveTo(input: Input, at: number): Input {
  const cursor = Math.max(0, Math.min(input.text.length, at));
  return cursor === input.cursor ? input : { ...input, cursor };
}

/** The text a key types: printable characters only, not control keys, DEL or Alt combinations. */
export function typedText(key: Key): string | undefined {
  const { sequence } = key;
  if (key.ctrl || key.meta || !sequence) return undefined;
  return [...sequence].every((ch) => ch >= " " && ch !== "\x7f") ? sequence : undefined;
}

/**
 * The input after a key that edits it — typing, Backspace, Delete, ←/→, Home/End, Ctrl-A/E/U/W,
 * Alt+Enter — or undefined for a key that is not the editor's.
 */
export function editKey(input: Input, key: Key): Input | undefined {
  const { text, cursor } = input;
  if (key.ctrl) {
    switch (key.name) {
      case "u":
        // The whole line; an edit in progress stays one (Esc cancels it).
        return text === "" ? input : { ...input, text: "", cursor: 0 };
      case "a":
        return moveTo(input, 0);
      case "e":
        return moveTo(input, text.length);
      case "w": {
        // The word before the cursor, with the spaces between it and the cursor.
        const before = text.slice(0, cursor).replace(/\S+\s*$/, "");
        return before.length === cursor
          ? input
          : { ...input, text: before + text.slice(cursor), cursor: before.length };
      }
    }
    return undefined;
  }
  switch (key.name) {
    case "return":
    case "enter":
      // Alt+Enter breaks the line; Enter sends, which is the app's to do.
      return key.meta ? insert(input, LINE_BREAK) : undefined;
    case "backspace":
      if (cursor === 0) return input;
      return { ...input, text: text.slice(0, cursor - 1) + text.slice(cursor), cursor: cursor - 1 };
    case "delete":
      if (cursor === text.length) return input;
      return { ...input, text: text.slice(0, cursor) + text.slice(cursor + 1) };
    case "left":
      return moveTo(input, cursor - 1);
    case "right":
      return moveTo(input, cursor + 1);
    case "home":
      return moveTo(input, 0);
    case "end":
      return moveTo(input, text.length);
  }
  const typed = typedText(key);
  return typed === undefined ? undefined : insert(input, typed);
}
