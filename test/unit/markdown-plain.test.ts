import { describe, expect, test } from "bun:test";
import { markdownToPlain, needsLexing, plainByLexing } from "../../lib/markdown/plain.ts";

// Deterministic text soup: the same strings on every run.
function* soup(count: number, alphabet: string[]) {
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < count; i++) {
    let s = "";
    const length = 1 + Math.floor(next() * 60);
    for (let j = 0; j < length; j++) s += alphabet[Math.floor(next() * alphabet.length)];
    yield s;
  }
}

const WORDS = ["deploy", "api", "ok", "re-run", "42", "1", "x", " ", " ", "  ", "\n", "\n\n", "\t", "    "];
const PUNCTUATION = [
  ".",
  ",",
  ";",
  "?",
  "'",
  '"',
  "(",
  ")",
  "%",
  "$",
  "@",
  "/",
  ":",
  "!",
  "=",
  "+",
  "-",
  "é",
  "🙂",
];
// Marks anywhere in a line, then those that count only at a line's start.
const INLINE_MARKS = ["*", "_", "`", "~", "[", "]", "<", ">", "|", "&", "#", "\\", ":tada:"];
const MARKS = [...INLINE_MARKS, "1. ", "- ", "==="];

describe("a message as plain text", () => {
  test("text without markdown's marks reads exactly as the lexer would read it", () => {
    let unlexed = 0;
    for (const text of soup(3000, [...WORDS, ...PUNCTUATION])) {
      expect(markdownToPlain(text), JSON.stringify(text)).toBe(plainByLexing(text));
      if (!needsLexing(text)) unlexed++;
    }
    // Most of the soup took the short way (a line starting with "1." or "-" does not), so it was tried.
    expect(unlexed).toBeGreaterThan(1500);
  });

  test("text with marks is lexed: every kind reads as a reader sees it", () => {
    for (const text of soup(2000, [...WORDS, ...PUNCTUATION, ...MARKS])) {
      expect(markdownToPlain(text), JSON.stringify(text)).toBe(plainByLexing(text));
      if (INLINE_MARKS.some((m) => text.includes(m)))
        expect(needsLexing(text), JSON.stringify(text)).toBe(true);
    }
    expect(markdownToPlain("**Release** is `out`, see [notes](https://x.example)")).toBe(
      "Release is out, see notes",
    );
    expect(markdownToPlain("1. first\n2. second")).toBe("first second");
    expect(markdownToPlain("- one\n+ two")).toBe("one two");
    expect(markdownToPlain("Title\n===\nbody")).toBe("Title body");
    expect(markdownToPlain("> quoted")).toBe("quoted");
    expect(markdownToPlain(":tada: shipped")).toBe("🎉 shipped");
    expect(markdownToPlain("a &amp; b")).toBe("a & b");
    expect(markdownToPlain("# Heading")).toBe("Heading");
    // A one-column table: its delimiter row needs no pipe.
    expect(markdownToPlain("intro\nName\n:--\nAlice")).toBe(plainByLexing("intro\nName\n:--\nAlice"));
    expect(needsLexing("Name\n:--")).toBe(true);
  });

  test("plain words, links, mentions and line breaks come back with their spaces folded", () => {
    expect(markdownToPlain("  Deploy of api finished,\n\ndashboards look green.  ")).toBe(
      "Deploy of api finished, dashboards look green.",
    );
    expect(markdownToPlain("@bob see https://example.com/a and www.example.org")).toBe(
      "@bob see https://example.com/a and www.example.org",
    );
  });
});
