import { showControls } from "../../control-chars.ts";
import type { Span, StyledLine } from "../../markdown/terminal.ts";

/** Extra looks the TUI gives spans beyond markdown's tones. */
export interface TuiSpan extends Span {
  /** A literal colour (`#rrggbb`), e.g. a webhook attachment's gutter. */
  color?: string;
  dim?: boolean;
  inverse?: boolean;
}

export type Line = TuiSpan[];

/** Columns `s` takes on screen, where its control characters are shown as `\xHH` (see Screen). */
export const width = (s: string) => Bun.stringWidth(showControls(s));
export const lineWidth = (line: Line) => line.reduce((n, s) => n + width(s.text), 0);

/**
 * A styled line folded to `max` columns: breaks after the last space that fits, or mid-word when a
 * word is longer than a line. Continuation lines start with `indent` (plain spaces).
 */
export function wrap(line: Line, max: number, indent = 0): Line[] {
  if (max <= indent + 1) return [line];
  const out: Line[] = [];
  let current: Line = [];
  let used = 0;
  const limit = () => (out.length === 0 ? max : max - indent);
  const push = () => {
    out.push(out.length === 0 ? current : [{ text: " ".repeat(indent) }, ...current]);
    current = [];
    used = 0;
  };
  for (const span of line) {
    // Words and the spaces after them, so a break lands between words.
    for (const piece of span.text.match(/\S+\s*|\s+/g) ?? []) {
      let rest = piece;
      while (rest !== "") {
        const room = limit() - used;
        const w = width(rest);
        if (w <= room) {
          current.push({ ...span, text: rest });
          used += w;
          rest = "";
          continue;
        }
        const trimmed = rest.trimEnd();
        if (width(trimmed) <= room) {
          current.push({ ...span, text: trimmed });
          push();
          rest = "";
          continue;
        }
        if (used > 0 && width(trimmed) <= limit()) {
          push();
          continue;
        }
        const [head, tail] = splitAt(rest, room);
        current.push({ ...span, text: head });
        push();
        rest = tail.trimStart();
      }
    }
  }
  if (current.length > 0 || out.length === 0) push();
  return out;
}

/** The longest prefix of `s` at most `cols` wide (at least one character), and the rest. */
function splitAt(s: string, cols: number): [string, string] {
  let used = 0;
  let i = 0;
  for (const ch of s) {
    const w = width(ch);
    if (used + w > cols && i > 0) break;
    used += w;
    i += ch.length;
  }
  return [s.slice(0, i), s.slice(i)];
}

/** A line cut (with an ellipsis) or padded to exactly `cols` columns. */
export function fit(line: Line, cols: number): Line {
  const out: Line = [];
  let used = 0;
  for (const span of line) {
    const w = width(span.text);
    if (used + w <= cols) {
      out.push(span);
      used += w;
      continue;
    }
    const [head] = splitAt(span.text, Math.max(0, cols - used - 1));
    if (cols - used >= 1) out.push({ ...span, text: `${cols - used > 1 ? head : ""}…` });
    used = cols;
    break;
  }
  if (used < cols) out.push({ text: " ".repeat(cols - used) });
  return out;
}

export const plain = (text: string, look: Omit<TuiSpan, "text"> = {}): Line => [{ text, ...look }];
export const toLine = (line: StyledLine): Line => line;
