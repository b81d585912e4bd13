import { mrkdwnToMarkdown, plainToMarkdown } from "../webhooks/mrkdwn.ts";

/** A command's answer as it shows: to the typer only, or to the channel. */
export interface CommandReply {
  responseType: "ephemeral" | "in_channel";
  md: string;
}

interface SlackText {
  type?: string;
  text?: string;
}

const asText = (t: unknown): string => {
  if (!t || typeof t !== "object") return "";
  const { type, text } = t as SlackText;
  if (typeof text !== "string") return "";
  return type === "plain_text" ? plainToMarkdown(text) : mrkdwnToMarkdown(text);
};

/**
 * Blocks as markdown: section (its text and fields), context (its text elements) and header are
 * drawn; any other kind is left out with a note, so the reader knows something was there.
 */
function blocksToMarkdown(blocks: unknown[]): string {
  const parts: string[] = [];
  const skipped = new Map<string, number>();
  for (const block of blocks) {
    const b = (block ?? {}) as { type?: unknown; text?: unknown; fields?: unknown; elements?: unknown };
    const type = typeof b.type === "string" ? b.type : "unknown";
    if (type === "section") {
      const fields = Array.isArray(b.fields) ? b.fields.map(asText).filter(Boolean) : [];
      parts.push([asText(b.text), ...fields].filter(Boolean).join("\n"));
    } else if (type === "context") {
      const texts = Array.isArray(b.elements) ? b.elements.map(asText).filter(Boolean) : [];
      parts.push(texts.map((t) => `_${t}_`).join(" · "));
    } else if (type === "header") {
      parts.push(`**${asText(b.text)}**`);
    } else if (type !== "divider") {
      skipped.set(type, (skipped.get(type) ?? 0) + 1);
    }
  }
  const note = [...skipped].map(([type, n]) => `${n} ${type} block${n > 1 ? "s" : ""}`).join(", ");
  if (note) parts.push(`_(${note} not shown here)_`);
  return parts.filter((p) => p.trim() !== "").join("\n\n");
}

/**
 * Reads what a Slack app answers to a command, or posts to its response_url: JSON with `text`,
 * `blocks` and `response_type`, or plain text (shown to the typer). An empty answer is `null`:
 * nothing to show, as in Slack. With blocks, `text` is Slack's fallback for notifications, so the
 * blocks are what shows.
 */
export function readCommandReply(body: string, contentType: string): CommandReply | null {
  const trimmed = body.trim();
  if (trimmed === "") return null;
  if (!contentType.includes("json") && !trimmed.startsWith("{")) {
    return { responseType: "ephemeral", md: plainToMarkdown(trimmed) };
  }
  let json: { text?: unknown; blocks?: unknown; response_type?: unknown; mrkdwn?: unknown };
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { responseType: "ephemeral", md: plainToMarkdown(trimmed) };
  }
  if (!json || typeof json !== "object") return null;
  const responseType = json.response_type === "in_channel" ? "in_channel" : "ephemeral";
  const blocks = Array.isArray(json.blocks) && json.blocks.length > 0 ? blocksToMarkdown(json.blocks) : "";
  const text =
    typeof json.text === "string"
      ? json.mrkdwn === false
        ? plainToMarkdown(json.text)
        : mrkdwnToMarkdown(json.text)
      : "";
  const md = (blocks || text).trim();
  return md === "" ? null : { responseType, md };
}
