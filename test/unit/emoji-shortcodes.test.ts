import { expect, test } from "bun:test";
import { emojiByName, searchShortcodes } from "../../lib/emoji/shortcodes.ts";
import { emojiOf } from "../../lib/terminal/emoji.ts";
import { emojiCompletions } from "../../services/web-sm/views/channel.ts";
import { elementsOf } from "../support/html.ts";

test("one table names emoji for every client", () => {
  expect([
    emojiByName("tada"),
    emojiByName(":+1:"),
    emojiByName("white_check_mark"),
    emojiByName("nope"),
  ]).toEqual(["🎉", "👍", "✅", undefined]);
  expect(emojiOf(":rocket:")).toBe(emojiByName("rocket") as string);
});

test("shortcodes are searched by their start, shortest first, a few at a time", () => {
  const found = searchShortcodes("smil", 3).map((e) => e.name);
  expect(found).toHaveLength(3);
  expect(found[0]).toBe("smile");
  expect(found.every((n) => n.startsWith("smil"))).toBe(true);
  expect(searchShortcodes("")).toEqual([]);
});

test("the web composer offers the emoji itself for a :shortcode:, after two letters", () => {
  expect(emojiCompletions("t")).toEqual([]);
  const [tada] = emojiCompletions("tad");
  expect(tada).toMatchObject({ value: "🎉 ", label: ":tada:" });
  expect(elementsOf(String(tada?.face)).map((e) => e.attrs.class)).toEqual(["emoji"]);
});
