import { describe, expect, test } from "bun:test";
import type { MessageJson } from "../../lib/client/views.ts";
import {
  draft,
  editKey,
  editLast,
  emptyInput,
  type Input,
  messageText,
  paste,
  typedText,
} from "../../lib/terminal/tui/editor.ts";

const NAMED = new Set([
  "return",
  "enter",
  "backspace",
  "delete",
  "left",
  "right",
  "home",
  "end",
  "up",
  "tab",
  "escape",
]);

/** A key as the terminal reports it: "C-w" is Ctrl-W, "M-return" Alt+Enter, "left" a named key, else typed text. */
function key(spec: string) {
  const ctrl = spec.startsWith("C-");
  const meta = spec.startsWith("M-");
  const name = ctrl || meta ? spec.slice(2) : spec;
  // An Alt+letter carries its letter, so only the Alt keeps it from being typed.
  if (ctrl || meta || NAMED.has(name))
    return { name, ctrl, meta, sequence: meta && !NAMED.has(name) ? name : "" };
  return { name: name.length === 1 ? name : "", ctrl: false, meta: false, sequence: name };
}

/** The input after each key in turn; a key the editor does not take fails the test. */
function press(input: Input, ...specs: string[]) {
  return specs.reduce((at, spec) => {
    const next = editKey(at, key(spec));
    if (!next) throw new Error(`${spec} is not an editing key`);
    return next;
  }, input);
}

/** The text with the cursor drawn as "|". */
const shown = (input: Input) => `${input.text.slice(0, input.cursor)}|${input.text.slice(input.cursor)}`;

const line = (text: string, cursor = text.length, editing: string | null = null): Input => ({
  text,
  cursor,
  editing,
});

describe("the TUI's input line", () => {
  test("typing goes in at the cursor, which moves past what was typed", () => {
    expect(shown(press(emptyInput(), "h", "l", "l", "o"))).toBe("hllo|");
    expect(shown(press(line("hllo"), "home", "right", "e"))).toBe("he|llo");
    // A terminal may deliver several characters as one key (IME, fast typing).
    expect(shown(press(line("a  b", 2), "héllo"))).toBe("a héllo| b");
  });

  test("Backspace deletes before the cursor and Delete under it; at the ends they change nothing", () => {
    expect(shown(press(line("chat", 2), "backspace"))).toBe("c|at");
    expect(shown(press(line("chat", 2), "delete"))).toBe("ch|t");
    const start = line("chat", 0);
    expect(editKey(start, key("backspace"))).toBe(start);
    const end = line("chat");
    expect(editKey(end, key("delete"))).toBe(end);
  });

  test("←/→ move by one and stop at the ends; Home/End and Ctrl-A/E jump to them", () => {
    expect(shown(press(line("abc", 1), "left"))).toBe("|abc");
    const start = line("abc", 0);
    expect(editKey(start, key("left"))).toBe(start);
    const end = line("abc");
    expect(editKey(end, key("right"))).toBe(end);
    expect(shown(press(line("abc", 1), "right"))).toBe("ab|c");
    expect(shown(press(line("abc", 1), "home"))).toBe("|abc");
    expect(shown(press(line("abc", 1), "end"))).toBe("abc|");
    expect(shown(press(line("abc", 1), "C-a"))).toBe("|abc");
    expect(shown(press(line("abc", 1), "C-e"))).toBe("abc|");
  });

  test("Ctrl-W deletes the word before the cursor with the spaces after it, keeping what follows", () => {
    expect(shown(press(line("ship the release  "), "C-w"))).toBe("ship the |");
    expect(shown(press(line("ship the release", 8), "C-w"))).toBe("ship | release");
    expect(shown(press(line("ship the release", 8), "C-w", "C-w"))).toBe("| release");
    const start = line("ship", 0);
    expect(editKey(start, key("C-w"))).toBe(start);
  });

  test("Ctrl-U clears the line; an edit in progress stays an edit", () => {
    expect(press(line("typo here", 4, "m1"), "C-u")).toEqual({ text: "", cursor: 0, editing: "m1" });
    const empty = emptyInput();
    expect(editKey(empty, key("C-u"))).toBe(empty);
  });

  test("Alt+Enter puts a line break (shown as ⏎) at the cursor; what is sent has the line break back", () => {
    const input = press(line("first second", 5), "M-return");
    expect(shown(input)).toBe("first⏎| second");
    expect(messageText(input)).toBe("first\n second");
    expect(shown(press(line("a"), "M-enter", "b"))).toBe("a⏎b|");
  });

  test("Enter, Esc, Tab, ↑, other Ctrl keys and Alt+letters are not the editor's: they leave the input to the app", () => {
    for (const spec of ["return", "enter", "escape", "tab", "up", "C-n", "C-g", "M-x", "M-f"]) {
      expect({ spec, next: editKey(line("draft"), key(spec)) }).toEqual({ spec, next: undefined });
    }
  });

  test("only printable characters are typed: control characters, DEL and Alt combinations type nothing", () => {
    expect(typedText(key("x"))).toBe("x");
    expect(typedText(key("👍"))).toBe("👍");
    expect(typedText({ name: "", ctrl: false, meta: false, sequence: "\x01" })).toBeUndefined();
    expect(typedText({ name: "", ctrl: false, meta: false, sequence: "a\x7f" })).toBeUndefined();
    expect(typedText({ name: "x", ctrl: false, meta: true, sequence: "x" })).toBeUndefined();
    expect(typedText({ name: "x", ctrl: true, meta: false, sequence: "x" })).toBeUndefined();
    expect(editKey(line("ab"), { name: "", ctrl: false, meta: false, sequence: "\x1b[Z" })).toBeUndefined();
  });

  test("a paste goes in at the cursor with its line breaks (\\n or \\r\\n) as ⏎, and is sent with them", () => {
    const input = paste(line("see: !", 5), "one\r\ntwo\nthree");
    expect(shown(input)).toBe("see: one⏎two⏎three|!");
    expect(messageText(input)).toBe("see: one\ntwo\nthree!");
    const same = line("x");
    expect(paste(same, "")).toBe(same);
  });

  test("what Enter sends is trimmed, so a line of spaces and line breaks sends nothing", () => {
    expect(messageText(line("  hello⏎  "))).toBe("hello");
    expect(messageText(line(" ⏎ ⏎ "))).toBe("");
  });

  test("a message put back in the input (a failed send) shows its line breaks as ⏎ with the cursor at the end", () => {
    expect(draft("one\ntwo")).toEqual({ text: "one⏎two", cursor: 7, editing: null });
  });
});

describe("↑ edits the last message", () => {
  const message = (id: string, author: string, body: string, deleted = false) =>
    ({ id, author: { id: author }, body_md: body, deleted }) as MessageJson;

  test("it is my newest message that is not deleted, its line breaks as ⏎, the cursor at the end", () => {
    const messages = [
      message("m1", "alice", "older\n```\ncode\n```"),
      message("m2", "alice", "newest but deleted", true),
      message("m3", "bob", "bob's, newer"),
    ];
    expect(editLast(messages, "alice")).toEqual({ text: "older⏎```⏎code⏎```", cursor: 18, editing: "m1" });
  });

  test("with no message of mine there is nothing to edit", () => {
    expect(editLast([message("m1", "bob", "hi")], "alice")).toBeUndefined();
    expect(editLast([], "alice")).toBeUndefined();
  });
});
