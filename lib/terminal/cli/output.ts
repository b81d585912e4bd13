import { showControls } from "../../control-chars.ts";
import { ansiStyle, plainStyle, type Style } from "../ansi.ts";

/**
 * How a command prints: `tty` (colour, markdown rendered), `plain` (stdout is not a terminal: no
 * colour, one record a line, fields separated by tabs) or `json` (one JSON object a line, every
 * field the API answered). No mode writes a control character it was given (but tab and newline):
 * `tty` reads the server's answers with them made visible (see Context.client), `plain` escapes
 * them, `json` keeps them as JSON escapes.
 */
export type Mode = "tty" | "plain" | "json";

export class Output {
  readonly style: Style;
  constructor(
    readonly mode: Mode,
    options: { color?: boolean; emoji?: boolean; write?: (text: string) => void } = {},
  ) {
    this.emoji = options.emoji !== false;
    this.style = mode === "tty" && options.color !== false ? ansiStyle : plainStyle;
    this.write = options.write ?? ((text) => process.stdout.write(text));
  }

  private readonly write: (text: string) => void;
  /** Whether a rendered `:shortcode:` shows as the emoji (the terminal has the glyphs). */
  readonly emoji: boolean;

  get color() {
    return this.style === ansiStyle;
  }

  /** A line as given on a terminal (its text was made safe before it was styled); shown controls when piped. */
  line(text = "") {
    this.write(`${this.mode === "tty" ? text : showControls(text)}\n`);
  }

  json(value: unknown) {
    this.write(`${jsonLine(value)}\n`);
  }

  /** One record: the object itself as JSON, its fields tab-separated when plain, `human` on a terminal. */
  record(value: unknown, plain: (string | number | null | undefined)[], human: () => string) {
    if (this.mode === "json") this.json(value);
    else if (this.mode === "plain") this.line(plain.map((f) => plainField(f)).join("\t"));
    else this.line(human());
  }
}

/**
 * A field for a plain line: tabs, newlines and backslashes escaped, so each record stays one line,
 * and every other control character as `\xHH`, so none reaches a terminal the output is shown on.
 */
export function plainField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  const escaped = String(value).replace(
    /[\\\t\n\r]/g,
    (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c] ?? c,
  );
  return showControls(escaped);
}

/**
 * A value as one line of JSON. JSON.stringify escapes C0 controls but writes DEL and C1 as they
 * are, and a terminal may act on those too: they are escaped as well (the same JSON when parsed).
 */
export const jsonLine = (value: unknown) =>
  JSON.stringify(value).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

export function chooseMode(json: boolean, stdoutIsTty: boolean): Mode {
  if (json) return "json";
  return stdoutIsTty ? "tty" : "plain";
}
