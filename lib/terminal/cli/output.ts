import { ansiStyle, plainStyle, type Style } from "../ansi.ts";

/**
 * How a command prints: `tty` (colour, markdown rendered), `plain` (stdout is not a terminal: no
 * colour, one record a line, fields separated by tabs) or `json` (one JSON object a line, every
 * field the API answered).
 */
export type Mode = "tty" | "plain" | "json";

export class Output {
  readonly style: Style;
  constructor(
    readonly mode: Mode,
    options: { color?: boolean; write?: (text: string) => void } = {},
  ) {
    this.style = mode === "tty" && options.color !== false ? ansiStyle : plainStyle;
    this.write = options.write ?? ((text) => process.stdout.write(text));
  }

  private readonly write: (text: string) => void;

  get color() {
    return this.style === ansiStyle;
  }

  line(text = "") {
    this.write(`${text}\n`);
  }

  json(value: unknown) {
    this.write(`${JSON.stringify(value)}\n`);
  }

  /** One record: the object itself as JSON, its fields tab-separated when plain, `human` on a terminal. */
  record(value: unknown, plain: (string | number | null | undefined)[], human: () => string) {
    if (this.mode === "json") this.json(value);
    else if (this.mode === "plain") this.line(plain.map((f) => plainField(f)).join("\t"));
    else this.line(human());
  }
}

/** A field for a plain line: tabs, newlines and backslashes escaped, so each record stays one line. */
export function plainField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  return String(value).replace(
    /[\\\t\n\r]/g,
    (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c] ?? c,
  );
}

export function chooseMode(json: boolean, stdoutIsTty: boolean): Mode {
  if (json) return "json";
  return stdoutIsTty ? "tty" : "plain";
}
