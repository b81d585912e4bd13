import { describe, expect, test } from "bun:test";
import { highlightCode } from "../../lib/markdown/highlight.ts";
import { renderInlineMarkdownHtml, renderMarkdownHtml } from "../../lib/markdown/html.ts";
import { lexMarkdown } from "../../lib/markdown/parse.ts";

const md = renderMarkdownHtml;

describe("message markdown as HTML", () => {
  test("renders the usual formatting, with single newlines kept as line breaks", () => {
    expect(md("**bold** _it_ ~~gone~~ `code`")).toBe(
      "<p><strong>bold</strong> <em>it</em> <del>gone</del> <code>code</code></p>\n",
    );
    expect(md("one\ntwo")).toBe("<p>one<br />two</p>\n");
    expect(md("> quoted")).toContain("<blockquote>");
    expect(md("- a\n- b")).toContain("<li>a</li>");
  });

  test("shows HTML typed by the author as text", () => {
    expect(md("<script>alert(1)</script>")).toBe("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(md("hi <b onclick=x>there</b>")).toBe("<p>hi &lt;b onclick=x&gt;there&lt;/b&gt;</p>\n");
    expect(md("<svg onload=alert(1)>")).not.toContain("<svg");
  });

  test.each([
    ["javascript: links", "[x](javascript:alert(1))"],
    ["mixed-case and entity-encoded schemes", "[x](JaVa&#x73;cript:alert(1))"],
    ["data: links", "[x](data:text/html,<script>alert(1)</script>)"],
    ["vbscript: links", "[x](vbscript:msgbox)"],
    ["relative links", "[x](/api/sessions/revoke-all)"],
    ["protocol-relative links", "[x](//evil.example/)"],
  ])("drops %s but keeps their words", (_name, input) => {
    const out = md(input);
    expect(out).not.toContain("<a");
    expect(out).not.toMatch(/href/);
    expect(out).toContain("x");
  });

  test("keeps http(s) and mailto links, opened safely", () => {
    expect(md("[docs](https://example.com/a?b=1&c=2)")).toBe(
      '<p><a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">docs</a></p>\n',
    );
    expect(md("<https://example.com>")).toContain('href="https://example.com"');
    expect(md("mail bob@example.com")).toContain('href="mailto:bob@example.com"');
  });

  test("turns images into links: no image from elsewhere loads in the page", () => {
    expect(md("![chart](https://example.com/c.png)")).toBe(
      '<p><a href="https://example.com/c.png" rel="noopener noreferrer nofollow" target="_blank">chart</a></p>\n',
    );
    expect(md("![x](javascript:alert(1))")).not.toContain("href");
  });

  test("marks mentions with the username, never inside code or email addresses", () => {
    expect(md("hi @Bob and @here")).toBe(
      '<p>hi <span class="mention" data-u="bob">@bob</span> and <span class="mention mention-all" data-u="here">@here</span></p>\n',
    );
    expect(md("`@bob`")).not.toContain("mention");
    expect(md("bob@example.com")).not.toContain("mention");
    expect(md("```\n@bob\n```")).not.toContain("mention");
  });

  test("highlights code blocks and names their language", () => {
    expect(md("```js\nconst a = 'x'; // note\n```")).toBe(
      '<pre><code class="language-js"><span class="hl-k">const</span> a = <span class="hl-s">\'x\'</span>; <span class="hl-c">// note</span></code></pre>\n',
    );
    expect(md('```"><script>\nx\n```')).not.toContain("<script");
  });

  test("keeps task lists as disabled checkboxes only", () => {
    const out = md("- [x] done\n- [ ] todo");
    expect(out).toContain('<input type="checkbox" disabled checked />');
    expect(out).not.toMatch(/<input(?![^>]*disabled)/);
  });

  test("inline rendering has no paragraph", () => {
    expect(renderInlineMarkdownHtml("**a** <i>b</i>")).toBe("<strong>a</strong> &lt;i&gt;b&lt;/i&gt;");
  });
});

describe("the shared parser", () => {
  test("gives other renderers mention tokens", () => {
    const [para] = lexMarkdown("ping @carol");
    const tokens = (para as { tokens: { type: string; name?: string }[] }).tokens;
    expect(tokens.map((t) => t.type)).toEqual(["text", "mention"]);
    expect(tokens[1]?.name).toBe("carol");
  });
});

describe("the code highlighter", () => {
  test("escapes everything it does not mark", () => {
    expect(highlightCode("a < b && c", "")).toBe("a &lt; b &amp;&amp; c");
  });

  test("reads # as a comment only in languages where it is one", () => {
    expect(highlightCode("x = 1 # one", "py")).toContain('<span class="hl-c"># one</span>');
    expect(highlightCode("#include <x>", "c")).not.toContain("hl-c");
  });
});
