import { describe, expect, test } from "bun:test";
import type { MeJson, MemberJson } from "../../lib/client/views.ts";
import { COMMANDS } from "../../lib/commands/catalog.ts";
import { complete } from "../../lib/terminal/tui/completion.ts";
import type { Input } from "../../lib/terminal/tui/editor.ts";
import { initialState, type SidebarItem } from "../../lib/terminal/tui/state.ts";

const me = { id: "a", username: "alice", display_name: "Alice" } as MeJson;
const member = (username: string) => ({ user: { id: username, username } }) as MemberJson;
const channel = (label: string) => ({ id: label, kind: "channel", label }) as SidebarItem;

/** Tab in a community with bob, bea, carol and carla, and #general, #random, #releases. */
function tab(text: string, cursor = text.length, editing: string | null = null) {
  const s = initialState(me);
  s.members = ["alice", "bob", "bea", "carol", "carla"].map(member);
  s.channels = ["general", "random", "releases"].map(channel);
  s.input = { text, cursor, editing };
  return complete(s);
}

const shown = (input: Input | undefined) =>
  input && `${input.text.slice(0, input.cursor)}|${input.text.slice(input.cursor)}`;

describe("Tab completion in the TUI", () => {
  test("one matching /command is completed with a space after it, ready for its arguments", () => {
    const done = tab("/top");
    expect(shown(done?.input)).toBe("/topic |");
    expect(done?.completions).toEqual([]);
  });

  test("several matching /commands are listed in /help order and the input keeps what they share", () => {
    const done = tab("/m");
    expect(shown(done?.input)).toBe("/m|");
    expect(done?.completions).toEqual(["/msg", "/me", "/mute-channel", "/mute"]);
    // Typing one more letter narrows it to one.
    expect(shown(tab("/ms")?.input)).toBe("/msg |");
  });

  test("a second Tab on the same ambiguous word changes nothing and lists the same choices (no cycling)", () => {
    const first = tab("/un");
    expect(shown(first?.input)).toBe("/un|");
    const again = first && tab(first.input.text, first.input.cursor);
    expect(again).toEqual(first);
    expect(first?.completions).toEqual(["/unmute-channel", "/unban", "/unmute", "/unarchive"]);
  });

  test("a /command completes only as the first word of the line", () => {
    expect(tab("say /top")).toBeUndefined();
    expect(tab(" /top")).toBeUndefined();
  });

  test("@people and #channels complete anywhere in the line, as far as the matches agree", () => {
    expect(shown(tab("/msg @bo")?.input)).toBe("/msg @bob |");
    expect(shown(tab("see #ra")?.input)).toBe("see #random |");
    const people = tab("cc @c");
    expect(shown(people?.input)).toBe("cc @car|");
    expect(people?.completions).toEqual(["@carol", "@carla"]);
    const channels = tab("#r");
    expect(shown(channels?.input)).toBe("#r|");
    expect(channels?.completions).toEqual(["#random", "#releases"]);
  });

  test("the word before the cursor is completed, and the text after the cursor stays", () => {
    const ambiguous = tab("ask @b and #gen later", 6);
    expect(shown(ambiguous?.input)).toBe("ask @b| and #gen later");
    expect(ambiguous?.completions).toEqual(["@bob", "@bea"]);
    expect(shown(tab("ask @bo and #gen later", 7)?.input)).toBe("ask @bob | and #gen later");
    expect(shown(tab("ask @bob and #gen later", 17)?.input)).toBe("ask @bob and #general | later");
  });

  test("what was typed in capitals still finds the lower-case name", () => {
    expect(shown(tab("@BO")?.input)).toBe("@bob |");
    expect(shown(tab("#Gen")?.input)).toBe("#general |");
  });

  test("an edit in progress stays one after a completion", () => {
    expect(tab("hi @bo", 6, "m1")?.input).toEqual({ text: "hi @bob ", cursor: 8, editing: "m1" });
  });

  test("nothing matching, a plain word, or nothing before the cursor: Tab does nothing", () => {
    expect(tab("@nobody")).toBeUndefined();
    expect(tab("#nowhere")).toBeUndefined();
    expect(tab("/nocommand")).toBeUndefined();
    expect(tab("hello")).toBeUndefined();
    expect(tab("hello ")).toBeUndefined();
    expect(tab("")).toBeUndefined();
  });

  test("a lone / lists the first twelve commands and completes nothing", () => {
    const done = tab("/");
    expect(COMMANDS.length).toBeGreaterThan(12);
    expect(shown(done?.input)).toBe("/|");
    expect(done?.completions).toEqual(COMMANDS.slice(0, 12).map((c) => `/${c.name}`));
  });

  test("an emoji :shortcode: with one match becomes the emoji; several are listed from the shared table", () => {
    expect(shown(tab("ship it :tad")?.input)).toBe("ship it 🎉 |");
    const several = tab(":thumbs");
    expect(several?.completions).toEqual([":thumbsup:", ":thumbsdown:"]);
    expect(shown(several?.input)).toBe(":thumbs|");
    expect(tab(":q")).toBeUndefined();
  });
});
