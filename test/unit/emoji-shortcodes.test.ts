import { expect, test } from "bun:test";
import { loadClientConfig } from "../../lib/config.ts";
import { emojiByName, searchShortcodes } from "../../lib/emoji/shortcodes.ts";
import { renderMarkdownHtml } from "../../lib/markdown/html.ts";
import { markdownToPlain } from "../../lib/markdown/plain.ts";
import { renderMarkdown } from "../../lib/markdown/terminal.ts";
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

test("a :shortcode: in a message shows as its emoji on the web, never inside code", () => {
  const html = renderMarkdownHtml("ship it :tada: `:tada:` :nope: 10:30:00\n\n```\n:rocket:\n```");
  const spans = elementsOf(html).filter((e) => e.attrs.class === "emoji");
  expect(spans.map((e) => e.attrs.title)).toEqual([":tada:"]);
  expect(html).toContain('<span class="emoji" title=":tada:">🎉</span>');
  expect(html).toContain("<code>:tada:</code>");
  expect(html).toContain(":nope: 10:30:00");
  expect(html).toContain(":rocket:");
  expect(renderMarkdownHtml("**:+1:**")).toContain(
    '<strong><span class="emoji" title=":+1:">👍</span></strong>',
  );
});

test("terminals show the emoji, or the shortcode as typed when they cannot draw emoji", () => {
  const shown = (md: string, emoji: boolean) =>
    renderMarkdown(md, { emoji }).map((line) => line.map((s) => s.text).join(""));
  expect(shown("done :white_check_mark: `:tada:`", true)).toEqual(["done ✅ :tada:"]);
  expect(shown("done :white_check_mark: `:tada:`", false)).toEqual(["done :white_check_mark: :tada:"]);
  expect(markdownToPlain("*yay* :tada:")).toBe("yay 🎉");
});

test("the terminal draws emoji only with a UTF-8 locale and not on the Linux console", () => {
  const emoji = (env: Record<string, string>) => loadClientConfig(env).emoji;
  expect(emoji({ LANG: "en_US.UTF-8", TERM: "xterm-256color" })).toBe(true);
  expect(emoji({ LC_ALL: "C", LANG: "en_US.UTF-8" })).toBe(false);
  expect(emoji({ LANG: "en_US.UTF-8", TERM: "linux" })).toBe(false);
  expect(emoji({})).toBe(false);
});
