import { describe, expect, test } from "bun:test";
import { loadHighlighter, markdownToAnsi, renderMarkdown } from "../../lib/markdown/terminal.ts";

const text = (md: string) => renderMarkdown(md).map((line) => line.map((s) => s.text).join(""));

describe("markdown for terminals", () => {
  test("emphasis, code and links become styles, not markup", () => {
    const [line] = renderMarkdown("**bold** _it_ `x` ~~no~~ [docs](https://d.example)");
    expect(line?.find((s) => s.text === "bold")).toMatchObject({ bold: true });
    expect(line?.find((s) => s.text === "it")).toMatchObject({ italic: true });
    expect(line?.find((s) => s.text === "x")).toMatchObject({ tone: "code" });
    expect(line?.find((s) => s.text === "no")).toMatchObject({ strike: true });
    expect(line?.find((s) => s.text === "docs")).toMatchObject({ tone: "link", underline: true });
    expect(text("[docs](https://d.example)")).toEqual(["docs (https://d.example)"]);
  });

  test("lists, quotes and breaks keep their shape, one block after another", () => {
    expect(text("- one\n- two\n\n> said\n\nline\nbreak")).toEqual([
      "• one",
      "• two",
      "",
      "│ said",
      "",
      "line",
      "break",
    ]);
    expect(text("1. a\n2. b")).toEqual(["1. a", "2. b"]);
  });

  test("raw HTML is shown as text and entities as characters", () => {
    expect(text("say <b>hi</b> &amp; more")).toEqual(["say <b>hi</b> & more"]);
    expect(text("<script>alert(1)</script>")).toEqual(["<script>alert(1)</script>"]);
  });

  test("mentions and channels stand out", () => {
    const [line] = renderMarkdown("ping @alice in #builds");
    expect(line?.filter((s) => s.tone === "mention").map((s) => s.text)).toEqual(["@alice", "#builds"]);
  });

  test("code blocks are indented and, once the highlighter is loaded, coloured by role", () => {
    loadHighlighter();
    const lines = renderMarkdown("```js\nconst a = 'x'; // note\n```");
    expect(lines).toHaveLength(1);
    const tones = Object.fromEntries((lines[0] ?? []).map((s) => [s.text, s.tone]));
    expect(tones).toMatchObject({ const: "keyword", "'x'": "string", "// note": "comment" });
    expect(markdownToAnsi("**b**")).toEqual(["\x1b[1mb\x1b[22m"]);
  });
});
