/** SGR styles for a terminal; `plainStyle` has the same functions doing nothing. */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  italic(s: string): string;
  underline(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
  gray(s: string): string;
  /** A 24-bit colour from `#rrggbb` (webhook attachments' gutters). */
  hex(color: string, s: string): string;
}

const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export const ansiStyle: Style = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  italic: sgr(3, 23),
  underline: sgr(4, 24),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  blue: sgr(34, 39),
  magenta: sgr(35, 39),
  cyan: sgr(36, 39),
  gray: sgr(90, 39),
  hex(color, s) {
    const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
    if (!m) return s;
    const [r, g, b] = [m[1], m[2], m[3]].map((h) => Number.parseInt(h as string, 16));
    return `\x1b[38;2;${r};${g};${b}m${s}\x1b[39m`;
  },
};

const same = (s: string) => s;
export const plainStyle: Style = {
  bold: same,
  dim: same,
  italic: same,
  underline: same,
  red: same,
  green: same,
  yellow: same,
  blue: same,
  magenta: same,
  cyan: same,
  gray: same,
  hex: (_color, s) => s,
};
