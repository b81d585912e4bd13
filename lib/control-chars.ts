import { invalid } from "./errors.ts";

// C0 controls but tab and newline, DEL, and the C1 range: everything a terminal may act on.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// The same with tab and newline, for text that is one line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

const ANY_CONTROL = new RegExp(LINE_CONTROLS.source);

const hex = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;

/**
 * Text safe to write to a terminal: every control character but tab and newline (C0, DEL, C1) shown
 * as `\xHH`, so nothing a terminal acts on is left — escape sequences, OSC 52 clipboard writes,
 * OSC 8 links, bells, a carriage return that overwrites the line.
 */
export const showControls = (text: string) => text.replace(CONTROLS, hex);

/** A `JSON.parse` reviver that applies showControls to every string: how terminal clients read. */
export const visibleStrings = (_key: string, value: unknown) =>
  typeof value === "string" ? showControls(value) : value;

/** Text with its control characters removed; tab and newline stay unless `oneLine`. */
export const dropControls = (text: string, oneLine = false) =>
  text.replace(oneLine ? LINE_CONTROLS : CONTROLS, "");

/** True when text has any control character, tab and newline included. */
export const hasControls = (text: string) => ANY_CONTROL.test(text);

/**
 * Refuses NUL in a key or a string (usable as a `JSON.parse` reviver): PostgreSQL's text cannot
 * hold it, so it would fail the statement instead of being refused as input.
 */
export function refuseNul(key: string, value: unknown) {
  if (key.includes("\0") || (typeof value === "string" && value.includes("\0")))
    throw invalid(`${key.replaceAll("\0", "") || "the request"}: must not contain NUL characters`);
  return value;
}
