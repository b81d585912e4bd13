import { z } from "zod";
import { refuseNul } from "../control-chars.ts";
import { MAX_BODY_CHARS } from "../messages/post.ts";
import { isSafeUrl, mrkdwnToMarkdown, plainText, plainToMarkdown } from "./mrkdwn.ts";
import { payloadWarnings } from "./warnings.ts";

/** What a webhook post becomes: a message body, who it shows as, and structured embeds. */
export interface WebhookPost {
  bodyMd: string;
  username: string | null;
  avatarUrl: string | null;
  embeds: Embeds | null;
  key: string | null;
  threadKey: string | null;
  /** Slack's `unfurl_links: false`: no link preview for this post (absent: previews as usual). */
  unfurl?: false;
}

/**
 * `messages.embeds` of a webhook post. `body_is_fallback` says `body_md` only summarises the blocks
 * or attachments (Slack's rule: with blocks, `text` is the notification fallback), so rich clients
 * draw those instead of it.
 */
export interface Embeds {
  body_is_fallback: boolean;
  icon_emoji?: string;
  blocks?: Block[];
  attachments?: Attachment[];
}

export type Block =
  | { type: "header"; text: string }
  | { type: "section"; text_md?: string; fields_md?: string[]; image_url?: string; image_alt?: string }
  | { type: "divider" }
  | {
      type: "context";
      elements: (
        | { type: "text"; text_md: string }
        | { type: "image"; image_url: string; alt_text: string }
      )[];
    }
  | { type: "image"; image_url: string; alt_text: string; title?: string };

export interface Attachment {
  color?: string;
  fallback?: string;
  pretext_md?: string;
  author_name?: string;
  author_link?: string;
  author_icon?: string;
  title?: string;
  title_link?: string;
  text_md?: string;
  fields?: { title: string; value_md: string; short: boolean }[];
  image_url?: string;
  thumb_url?: string;
  footer?: string;
  footer_icon?: string;
  ts?: number;
  blocks?: Block[];
}

/**
 * A read payload, or Slack's word for why not plus the reason in a sentence (for the delivery log
 * and dry runs). `warnings` name what the payload asked for that we do not do.
 */
export type PayloadResult =
  | { ok: true; post: WebhookPost; warnings: string[] }
  | { ok: false; code: "invalid_payload" | "invalid_blocks" | "no_text"; reason: string };

const str = z.string().nullish();
const textObject = z.looseObject({ type: z.enum(["plain_text", "mrkdwn"]), text: z.string() });
const imageElement = z.looseObject({
  type: z.literal("image"),
  image_url: z.string(),
  alt_text: z.string().nullish(),
});

const blockSchemas = {
  header: z.looseObject({ text: textObject }),
  section: z
    .looseObject({
      text: textObject.nullish(),
      fields: z.array(textObject).max(10).nullish(),
      accessory: z.looseObject({ type: z.string() }).nullish(),
    })
    .refine((b) => b.text || b.fields?.length, "a section needs text or fields"),
  divider: z.looseObject({}),
  context: z.looseObject({
    elements: z
      .array(z.union([imageElement, textObject]))
      .min(1)
      .max(10),
  }),
  image: z.looseObject({
    image_url: z.string(),
    alt_text: z.string().nullish(),
    title: textObject.nullish(),
  }),
};

const attachmentSchema = z.looseObject({
  fallback: str,
  color: str,
  pretext: str,
  author_name: str,
  author_link: str,
  author_icon: str,
  title: str,
  title_link: str,
  text: str,
  fields: z
    .array(
      z.looseObject({
        title: str,
        value: z.union([z.string(), z.number()]).nullish(),
        short: z.boolean().nullish(),
      }),
    )
    .max(50)
    .nullish(),
  image_url: str,
  thumb_url: str,
  footer: str,
  footer_icon: str,
  ts: z.union([z.number(), z.string()]).nullish(),
  blocks: z
    .array(z.looseObject({ type: z.string() }))
    .max(50)
    .nullish(),
});

const payloadSchema = z.looseObject({
  text: str,
  username: str,
  avatar_url: str,
  icon_url: str,
  icon_emoji: str,
  mrkdwn: z.boolean().nullish(),
  attachments: z.array(attachmentSchema).max(100).nullish(),
  blocks: z
    .array(z.looseObject({ type: z.string() }))
    .max(50)
    .nullish(),
  key: z.string().trim().min(1).max(200).nullish(),
  thread_key: z.string().trim().min(1).max(200).nullish(),
  // Anything but false keeps previews on: a sender's odd value is not worth refusing the post for.
  unfurl_links: z.unknown().optional(),
});

class InvalidBlocks extends Error {}

/** A zod failure as one sentence naming where: "`attachments`: expected array, received object". */
function firstIssue(error: z.ZodError, prefix = ""): string {
  const issue = error.issues[0];
  if (!issue) return "not valid";
  const path = issue.path.reduce<string>(
    (at, part) => (typeof part === "number" ? `${at}[${part}]` : at ? `${at}.${String(part)}` : String(part)),
    prefix,
  );
  const message = issue.message.replace(/^Invalid input: /, "");
  return path ? `\`${path}\`: ${message}` : message;
}

const COLORS: Record<string, string> = { good: "#2eb886", warning: "#daa038", danger: "#a30200" };

/** Slack's named colours and 3- or 6-digit hex (with or without #) as `#rrggbb`; anything else none. */
export function normalizeColor(color: string): string | undefined {
  const named = COLORS[color.toLowerCase()];
  if (named) return named;
  const hex = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim())?.[1];
  if (!hex) return undefined;
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
  return `#${full.toLowerCase()}`;
}

const textMd = (t: z.output<typeof textObject>) =>
  t.type === "mrkdwn" ? mrkdwnToMarkdown(t.text) : plainToMarkdown(t.text);
const safeUrl = (url: string | null | undefined) => (url && isSafeUrl(url) ? url : undefined);
const present = (s: string | null | undefined) => (s ? s : undefined);

/** Copies only the keys whose value is set, so embeds stay small and fixtures exact. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== "")) as T;
}

/** Known blocks as embeds; unknown kinds (buttons, inputs…) have no meaning here and are dropped. */
function blocksOf(raw: { type: string }[], at = "blocks"): Block[] {
  const out: Block[] = [];
  for (const [i, block] of raw.entries()) {
    const schema = blockSchemas[block.type as keyof typeof blockSchemas];
    if (!schema) continue;
    const parsed = schema.safeParse(block);
    if (!parsed.success) {
      const why = firstIssue(parsed.error, `${at}[${i}]`);
      throw new InvalidBlocks(`a ${block.type} block is malformed: ${why}`);
    }
    out.push(blockOf(block.type, parsed.data, `${at}[${i}]`));
  }
  return out;
}

function blockOf(type: string, b: Record<string, unknown>, at: string): Block {
  switch (type) {
    case "header":
      return { type, text: plainText((b.text as { text: string }).text) };
    case "section": {
      const s = b as z.output<(typeof blockSchemas)["section"]>;
      const image = s.accessory?.type === "image" ? imageElement.safeParse(s.accessory) : undefined;
      return compact({
        type,
        text_md: s.text ? textMd(s.text) : undefined,
        fields_md: s.fields?.length ? s.fields.map(textMd) : undefined,
        image_url: image?.success ? safeUrl(image.data.image_url) : undefined,
        image_alt:
          image?.success && safeUrl(image.data.image_url) ? plainText(image.data.alt_text ?? "") : undefined,
      });
    }
    case "divider":
      return { type };
    case "context": {
      type Element = Extract<Block, { type: "context" }>["elements"][number];
      const elements = (b as z.output<(typeof blockSchemas)["context"]>).elements.flatMap((e): Element[] => {
        if (e.type === "image") {
          const url = safeUrl(e.image_url);
          return url ? [{ type: "image", image_url: url, alt_text: plainText(e.alt_text ?? "") }] : [];
        }
        return [{ type: "text", text_md: textMd(e) }];
      });
      return { type, elements };
    }
    default: {
      const i = b as z.output<(typeof blockSchemas)["image"]>;
      const url = safeUrl(i.image_url);
      if (!url) throw new InvalidBlocks(`\`${at}.image_url\` must be an http(s) URL`);
      return compact({
        type: "image",
        image_url: url,
        alt_text: plainText(i.alt_text ?? ""),
        title: i.title ? plainText(i.title.text) : undefined,
      });
    }
  }
}

function attachmentOf(a: z.output<typeof attachmentSchema>, i: number): Attachment {
  const ts = a.ts === null || a.ts === undefined ? undefined : Number(a.ts);
  return compact({
    color: a.color ? normalizeColor(a.color) : undefined,
    fallback: present(a.fallback) && plainText(a.fallback as string),
    pretext_md: present(a.pretext) && mrkdwnToMarkdown(a.pretext as string),
    author_name: present(a.author_name) && plainText(a.author_name as string),
    author_link: safeUrl(a.author_link),
    author_icon: safeUrl(a.author_icon),
    title: present(a.title) && plainText(a.title as string),
    title_link: safeUrl(a.title_link),
    text_md: present(a.text) && mrkdwnToMarkdown(a.text as string),
    fields: a.fields?.length
      ? a.fields.map((f) => ({
          title: plainText(f.title ?? ""),
          value_md: mrkdwnToMarkdown(String(f.value ?? "")),
          short: f.short ?? false,
        }))
      : undefined,
    image_url: safeUrl(a.image_url),
    thumb_url: safeUrl(a.thumb_url),
    footer: present(a.footer) && plainText(a.footer as string),
    footer_icon: safeUrl(a.footer_icon),
    ts: ts !== undefined && Number.isFinite(ts) ? ts : undefined,
    blocks: a.blocks?.length ? blocksOf(a.blocks, `attachments[${i}].blocks`) : undefined,
  });
}

/** A readable summary of blocks, for notifications, search and clients that draw only text. */
function blocksSummary(blocks: Block[]): string[] {
  return blocks.flatMap((b): string[] => {
    switch (b.type) {
      case "header":
        return [`**${plainToMarkdown(b.text)}**`];
      case "section":
        return [...(b.text_md ? [b.text_md] : []), ...(b.fields_md ?? [])];
      case "context":
        return b.elements.flatMap((e) => (e.type === "text" ? [e.text_md] : []));
      case "image":
        return b.title ? [plainToMarkdown(b.title)] : [];
      default:
        return [];
    }
  });
}

function attachmentsSummary(attachments: Attachment[]): string[] {
  return attachments.flatMap((a) => {
    if (a.fallback) return [plainToMarkdown(a.fallback)];
    const parts = [a.pretext_md, a.title && plainToMarkdown(a.title), a.text_md].filter(
      (p): p is string => !!p,
    );
    return parts.length ? [parts.join("\n")] : blocksSummary(a.blocks ?? []);
  });
}

const avatarOf = (url: string | null | undefined) => {
  const safe = safeUrl(url);
  return safe && safe.length <= 2000 ? safe : null;
};

const clip = (s: string) => (s.length > MAX_BODY_CHARS ? `${s.slice(0, MAX_BODY_CHARS - 1)}…` : s);

/**
 * Reads a webhook body: Slack's incoming-webhook JSON (text, username, icon_url, icon_emoji,
 * attachments, blocks, mrkdwn), ours (text, username, avatar_url, key, thread_key — the same
 * object), as JSON or form-encoded `payload=<json>`. Slack mrkdwn becomes our markdown; a body over
 * 40,000 characters is cut, as Slack does.
 */
export function parseWebhookBody(contentType: string | null, raw: string): PayloadResult {
  let json = raw;
  if (contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    const form = new URLSearchParams(raw);
    // `curl -d '{…}'` sends JSON labelled as a form; accept it as Slack does.
    json = form.get("payload") ?? (raw.trimStart().startsWith("{") ? raw : "");
    if (!json)
      return {
        ok: false,
        code: "invalid_payload",
        reason: "a form body needs a `payload` field holding JSON",
      };
  }
  if (!json.trim()) return { ok: false, code: "invalid_payload", reason: "the body is empty" };
  let value: unknown;
  try {
    // NUL cannot be stored: such a payload is as unreadable as malformed JSON.
    value = JSON.parse(json, refuseNul);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, code: "invalid_payload", reason: `body is not JSON: ${why}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { ok: false, code: "invalid_payload", reason: "the body must be a JSON object" };
  const parsed = payloadSchema.safeParse(value);
  if (!parsed.success) return { ok: false, code: "invalid_payload", reason: firstIssue(parsed.error) };
  const p = parsed.data;
  try {
    const blocks = p.blocks?.length ? blocksOf(p.blocks) : [];
    const attachments = (p.attachments ?? []).map(attachmentOf);
    const text = p.text ? (p.mrkdwn === false ? plainToMarkdown(p.text) : mrkdwnToMarkdown(p.text)) : "";
    const summary = [...blocksSummary(blocks), ...attachmentsSummary(attachments)].join("\n");
    const bodyMd = text.trim() ? text : summary;
    if (!bodyMd.trim())
      return {
        ok: false,
        code: "no_text",
        reason: "`text` or `blocks` is required: nothing in the payload has text to show",
      };
    const iconEmoji =
      p.icon_emoji && /^:[a-z0-9_+'-]{1,100}:$/i.test(p.icon_emoji) ? p.icon_emoji : undefined;
    const rich = blocks.length > 0 || attachments.length > 0 || iconEmoji !== undefined;
    return {
      ok: true,
      post: {
        bodyMd: clip(bodyMd),
        username:
          present(
            plainText(p.username ?? "")
              .trim()
              .slice(0, 80),
          ) ?? null,
        avatarUrl: avatarOf(p.avatar_url ?? p.icon_url),
        embeds: rich
          ? compact({
              body_is_fallback: blocks.length > 0 || !text.trim(),
              icon_emoji: iconEmoji,
              blocks: blocks.length ? blocks : undefined,
              attachments: attachments.length ? attachments : undefined,
            })
          : null,
        key: p.key ?? null,
        threadKey: p.thread_key ?? null,
        ...(p.unfurl_links === false ? { unfurl: false as const } : {}),
      },
      warnings: payloadWarnings(value as Record<string, unknown>),
    };
  } catch (err) {
    if (err instanceof InvalidBlocks) return { ok: false, code: "invalid_blocks", reason: err.message };
    throw err;
  }
}
