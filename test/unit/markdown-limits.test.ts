import { describe, expect, test } from "bun:test";
import { highlightCode, MAX_HIGHLIGHT_CHARS } from "../../lib/markdown/highlight.ts";
import { renderMarkdownHtml } from "../../lib/markdown/html.ts";
import { MAX_NESTING } from "../../lib/markdown/parse.ts";
import { loadHighlighter, renderMarkdown } from "../../lib/markdown/terminal.ts";
import { parseMentions } from "../../lib/messages/mentions.ts";
import { MAX_BODY_CHARS } from "../../lib/messages/post.ts";
import { fill } from "../support/hostile-text.ts";
import { elementsOf } from "../support/html.ts";

// What keeps rendering a body linear, asserted as behaviour; the time it takes is measured in
// test/bench/render-worst-case.bench.ts, never here.
const count = (html: string, tag: string) => elementsOf(html).filter((e) => e.tag === tag).length;

describe("the code highlighter never scans the same text twice", () => {
  test("an unclosed /* comments out the rest of the block, as in an editor", () => {
    expect(highlightCode("a = 1; /* b /* c\nd", "js")).toBe(
      'a = <span class="hl-n">1</span>; <span class="hl-c">/* b /* c\nd</span>',
    );
  });

  test("a quote after a backslash opens no string, so a failed string is tried once per line", () => {
    expect(highlightCode('x \\"a" y', "js")).not.toContain("hl-s");
    expect(highlightCode('"a\\"b" c', "js")).toContain('<span class="hl-s">&quot;a\\&quot;b&quot;</span>');
  });

  test("code longer than the highlighting limit is shown uncoloured, in HTML and in the terminal", () => {
    const long = fill("const x = 'y'; // z\n", MAX_HIGHLIGHT_CHARS + 1);
    expect(highlightCode(long, "js")).not.toContain("<span");
    expect(highlightCode(long.slice(0, MAX_HIGHLIGHT_CHARS), "js")).toContain("<span");
    loadHighlighter();
    const lines = renderMarkdown(`\`\`\`js\n${long}\n\`\`\``);
    expect(lines.flat().every((s) => s.tone === "code" || s.tone === undefined)).toBe(true);
    expect(
      renderMarkdown("```js\nconst x = 'y';\n```")
        .flat()
        .some((s) => s.tone === "keyword"),
    ).toBe(true);
  });
});

describe("markdown nests at most MAX_NESTING deep", () => {
  test("quotes deeper than the limit are text, however many there are", () => {
    expect(count(renderMarkdownHtml(`${"> ".repeat(MAX_NESTING)}a`), "blockquote")).toBe(MAX_NESTING);
    const deep = renderMarkdownHtml(`${"> ".repeat(MAX_NESTING + 4)}a`);
    expect(count(deep, "blockquote")).toBe(MAX_NESTING);
    expect(deep).toContain("&gt; &gt; &gt; &gt; a");
  });

  test("lists, strong text and links deeper than the limit are text", () => {
    expect(count(renderMarkdownHtml(`${"- ".repeat(MAX_NESTING + 4)}a`), "ul")).toBe(MAX_NESTING);
    const strong = renderMarkdownHtml(`${"**".repeat(MAX_NESTING + 4)}a${"**".repeat(MAX_NESTING + 4)}`);
    expect(count(strong, "strong")).toBeLessThanOrEqual(MAX_NESTING);
    expect(count(strong, "strong")).toBeGreaterThan(0);
    const links = renderMarkdownHtml(
      `${"[".repeat(MAX_NESTING + 4)}a${"](https://x.example)".repeat(MAX_NESTING + 4)}`,
    );
    expect(count(links, "a")).toBeGreaterThan(0);
  });

  test("a body of nothing but nested quotes or lists renders everywhere instead of overflowing the stack", () => {
    for (const unit of ["> ", ">", "- ", "1. ", "> - "]) {
      const body = `${fill(unit, MAX_BODY_CHARS - 10)} @carol`;
      expect(
        count(renderMarkdownHtml(body), "blockquote") + count(renderMarkdownHtml(body), "li"),
      ).toBeGreaterThan(0);
      expect(renderMarkdown(body).length).toBeGreaterThan(0);
      expect(parseMentions(body).usernames).toEqual(["carol"]);
    }
  });

  test("strong text nested half the body deep renders", () => {
    const body = `${"**".repeat(MAX_BODY_CHARS / 4)}a${"**".repeat(MAX_BODY_CHARS / 4 - 1)}`;
    expect(renderMarkdownHtml(body)).toContain("<strong>");
    expect(
      renderMarkdown(body)
        .flat()
        .some((s) => s.bold),
    ).toBe(true);
  });
});

describe("mentions", () => {
  test("each of thousands of different names is listed once, in order", () => {
    const names = Array.from({ length: 5000 }, (_, i) => `u${i}`);
    const parsed = parseMentions([...names, ...names].map((n) => `@${n}`).join(" "));
    expect(parsed.usernames).toEqual(names);
  });
});
