import { describe, expect, test } from "bun:test";
import { hasControls, showControls } from "../../lib/control-chars.ts";
import { loadHighlighter, markdownToAnsi, renderMarkdown } from "../../lib/markdown/terminal.ts";
import { jsonLine, Output, plainField } from "../../lib/terminal/cli/output.ts";
import { lineWidth } from "../../lib/terminal/tui/lines.ts";
import { styled } from "../../lib/terminal/tui/screen.ts";

// What hostile text does to a terminal: a clipboard write (OSC 52), a screen clear, a fake link
// (OSC 8), a bell, a carriage return over the line, and the 8-bit CSI.
const HOSTILE =
  "a\u001b]52;c;aGk=\u0007b\u001b[2Jc\u001b]8;;https://evil.example\u001b\\d\re\u009b31mf\u007fg";
// Any control character but tab and newline.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// Our own styling: SGR sequences only.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequences we write ourselves
const OWN_SGR = /\u001b\[[0-9;]*m/g;

describe("control characters on their way to a terminal", () => {
  test("are shown as \\xHH, tab and newline kept", () => {
    expect(showControls("a\u001b[2J\tb\nc\u0007\u009b\u007f")).toBe("a\\x1b[2J\tb\nc\\x07\\x9b\\x7f");
    expect(showControls("plain ✓ text")).toBe("plain ✓ text");
    expect(CONTROL.test(showControls(HOSTILE))).toBe(false);
  });

  test("names and topics count tab and newline as control characters too", () => {
    expect(hasControls("a\tb")).toBe(true);
    expect(hasControls("a\u0085b")).toBe(true);
    expect(hasControls("Ünïcödé — 名前")).toBe(false);
  });

  test("the terminal renderer shows them and keeps only its own styling", () => {
    const out = markdownToAnsi(`**bold** ${HOSTILE}\n\`${HOSTILE}\``).join("\n");
    expect(out).toContain("\u001b[1mbold\u001b[22m");
    expect(CONTROL.test(out.replace(OWN_SGR, ""))).toBe(false);
    expect(out).toContain("\\x1b]52;c;aGk=\\x07");
    expect(out).not.toContain("\u001b[2J");
  });

  test("a code block holding the highlighter's private markers renders in full", () => {
    loadHighlighter();
    const lines = renderMarkdown("```js\nlet a = 1;\u0001 b\u0002\u0003\n```");
    expect(
      lines
        .flat()
        .map((s) => s.text)
        .join(""),
    ).toContain("\\x01 b\\x02\\x03");
  });

  test("a piped field escapes them as it escapes tabs and newlines", () => {
    expect(plainField(`a\tb\nc\\d${HOSTILE}`)).toBe(
      "a\\tb\\nc\\\\da\\x1b]52;c;aGk=\\x07b\\x1b[2Jc\\x1b]8;;https://evil.example\\x1b\\\\d\\re\\x9b31mf\\x7fg",
    );
  });

  test("--json keeps them as JSON escapes, DEL and C1 included, and parses back to the same text", () => {
    const line = jsonLine({ body: HOSTILE });
    expect(CONTROL.test(line)).toBe(false);
    expect(JSON.parse(line)).toEqual({ body: HOSTILE });
  });

  test("a piped line shows them; a terminal line is written as its command made it", () => {
    const written: string[] = [];
    new Output("plain", { write: (t) => written.push(t) }).line(HOSTILE);
    expect(CONTROL.test(written.join(""))).toBe(false);
    const tty: string[] = [];
    new Output("tty", { write: (t) => tty.push(t) }).line("\u001b[1mours\u001b[22m");
    expect(tty).toEqual(["\u001b[1mours\u001b[22m\n"]);
  });

  test("the TUI draws them shown, and lays lines out by what it draws", () => {
    const text = styled([[{ text: HOSTILE, bold: true }, { text: "topic\u001b[2J" }]]);
    const drawn = text.chunks.map((c) => c.text).join("");
    expect(CONTROL.test(drawn)).toBe(false);
    expect(drawn).toContain("topic\\x1b[2J");
    expect(lineWidth([{ text: "a\u001b[2J" }])).toBe("a\\x1b[2J".length);
  });
});
