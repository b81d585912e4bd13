import {
  BoxRenderable,
  bold,
  type CliRenderer,
  dim,
  fg,
  italic,
  reverse,
  StyledText,
  strikethrough,
  type TextChunk,
  TextRenderable,
  underline,
} from "@opentui/core";
import { showControls } from "../../control-chars.ts";
import type { Tone } from "../../markdown/terminal.ts";
import type { Line, TuiSpan } from "./lines.ts";
import type { Layout } from "./view.ts";

const TONES: Record<Tone, string> = {
  heading: "#c678dd",
  code: "#e5c07b",
  link: "#61afef",
  mention: "#56b6c2",
  quote: "#7f848e",
  muted: "#7f848e",
  keyword: "#c678dd",
  string: "#98c379",
  number: "#d19a66",
  comment: "#7f848e",
  title: "#61afef",
  type: "#56b6c2",
  literal: "#d19a66",
  meta: "#7f848e",
  attr: "#e06c75",
  addition: "#98c379",
  deletion: "#e06c75",
};

function chunk(span: TuiSpan): TextChunk {
  const color = span.color ?? (span.tone ? TONES[span.tone] : undefined);
  // Everything the TUI draws passes here: names, topics, messages, the input, errors. A control
  // character in any of them is shown, never sent to the terminal (the styling is opentui's own).
  const text = showControls(span.text);
  let c: TextChunk = color ? fg(color)(text) : { __isChunk: true, text };
  if (span.bold) c = bold(c);
  if (span.italic) c = italic(c);
  if (span.underline) c = underline(c);
  if (span.strike) c = strikethrough(c);
  if (span.dim) c = dim(c);
  if (span.inverse) c = reverse(c);
  return c;
}

/** Lines as opentui's styled text, one row each. */
export function styled(lines: Line[]): StyledText {
  const chunks: TextChunk[] = [];
  lines.forEach((line, i) => {
    if (i > 0) chunks.push({ __isChunk: true, text: "\n" });
    for (const span of line) if (span.text !== "") chunks.push(chunk(span));
  });
  return new StyledText(chunks);
}

export interface Frame {
  sidebar: Line[];
  messages: Line[];
  thread: Line[];
  input: Line;
  status: Line;
  help: Line[] | null;
}

/**
 * The TUI's renderables (opentui's renderables API): sidebar, message pane and thread pane side by
 * side, the input line and the status bar below, and the help box over them. Every pane is a text
 * whose lines the view computed for the current size, so drawing is setting contents.
 */
export class Screen {
  private readonly sidebar: TextRenderable;
  private readonly sidebarRule: TextRenderable;
  private readonly messages: TextRenderable;
  private readonly threadRule: TextRenderable;
  private readonly thread: TextRenderable;
  private readonly input: TextRenderable;
  private readonly status: TextRenderable;
  private readonly helpBox: BoxRenderable;
  private readonly help: TextRenderable;

  constructor(readonly renderer: CliRenderer) {
    const r = renderer;
    const text = (options: ConstructorParameters<typeof TextRenderable>[1]) =>
      new TextRenderable(r, { wrapMode: "none", selectable: false, ...options });
    const root = new BoxRenderable(r, { flexDirection: "column", width: "100%", height: "100%" });
    const body = new BoxRenderable(r, {
      flexDirection: "row",
      flexGrow: 1,
      flexShrink: 1,
      overflow: "hidden",
    });
    this.sidebar = text({ flexShrink: 0 });
    this.sidebarRule = text({ width: 1, flexShrink: 0, fg: "#3e4451" });
    this.messages = text({ flexGrow: 1, flexShrink: 1 });
    this.threadRule = text({ width: 1, flexShrink: 0, fg: "#3e4451" });
    this.thread = text({ flexShrink: 0 });
    body.add(this.sidebar);
    body.add(this.sidebarRule);
    body.add(this.messages);
    body.add(this.threadRule);
    body.add(this.thread);
    this.input = text({ height: 1, flexShrink: 0 });
    this.status = text({ height: 1, flexShrink: 0, bg: "#21252b" });
    root.add(body);
    root.add(this.input);
    root.add(this.status);
    this.helpBox = new BoxRenderable(r, {
      position: "absolute",
      top: 1,
      left: 2,
      zIndex: 10,
      border: true,
      borderStyle: "rounded",
      borderColor: "#61afef",
      backgroundColor: "#1e2127",
      title: " ajet-chat ",
      visible: false,
      padding: 0,
    });
    this.help = text({});
    this.helpBox.add(this.help);
    r.root.add(root);
    r.root.add(this.helpBox);
  }

  draw(frame: Frame, l: Layout) {
    const rule = (n: number) => Array.from({ length: n }, () => "│").join("\n");
    this.sidebar.width = l.sidebar;
    this.sidebar.visible = l.sidebar > 0;
    this.sidebarRule.visible = l.sidebar > 0;
    this.sidebarRule.content = rule(l.body);
    this.sidebar.content = styled(frame.sidebar);
    this.messages.content = styled(frame.messages);
    this.thread.visible = l.thread > 0;
    this.threadRule.visible = l.thread > 0;
    this.thread.width = l.thread;
    this.threadRule.content = rule(l.body);
    this.thread.content = styled(frame.thread);
    this.input.content = styled([frame.input]);
    this.status.content = styled([frame.status]);
    this.helpBox.visible = frame.help !== null;
    if (frame.help) {
      this.help.content = styled(frame.help);
      this.helpBox.width = Math.min(l.width - 4, 76);
      this.helpBox.height = Math.min(l.height - 2, frame.help.length + 2);
    }
    this.renderer.requestRender();
  }
}
