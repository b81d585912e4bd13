import { and, eq, isNull } from "drizzle-orm";
import type { Outgoing } from "../bus/publish.ts";
import type { Db } from "../db/client.ts";
import { messages } from "../db/schema.ts";
import { renderMarkdownHtml } from "../markdown/html.ts";
import { webhookAuthorView } from "../messages/views.ts";
import { doDeliverWebhook, type LiveWebhook, shownAs, threadRoot } from "./deliver.ts";
import { parseWebhookBody, type WebhookPost } from "./payload.ts";

/** What a webhook call came to: Slack's word and status, the reason in words, what was ignored. */
export interface Received {
  status: number;
  word: string;
  /** Why it did not post, in a sentence; null when it did (or would have). */
  error: string | null;
  warnings: string[];
  events: Outgoing[];
  /** The message a real call posted or edited, and whether its first link may get a preview. */
  posted?: { message: { id: string; bodyMd: string }; unfurl: boolean };
  /** A dry run's answer: the message as it would be, and whether it would edit an earlier one. */
  preview?: Awaited<ReturnType<typeof previewWebhookMessage>>;
}

/** A call that does not post, with Slack's word for it and why in a sentence. */
export const refused = (status: number, word: string, error: string): Received => ({
  status,
  word,
  error,
  warnings: [],
  events: [],
});

export interface ReceiveInput {
  contentType: string | null;
  raw: string;
  dryRun: boolean;
  /** Turns a post's `icon_url` into the address we serve it from; null when it cannot be had. */
  cacheIcon?: (url: string) => Promise<string | null>;
}

/**
 * A webhook call whose token was accepted: reads the payload, then posts it — or, for a dry run,
 * answers the message exactly as it would be drawn and posts nothing. The HTTP route and
 * `/webhook test` both come through here, so a test post takes the real path.
 */
export async function doReceiveWebhook(db: Db, hook: LiveWebhook, input: ReceiveInput): Promise<Received> {
  if (hook.channel.archivedAt)
    return refused(
      410,
      "channel_is_archived",
      `#${hook.channel.name} is archived: nothing can be posted there`,
    );
  const parsed = parseWebhookBody(input.contentType, input.raw);
  if (!parsed.ok) return refused(400, parsed.code, parsed.reason);
  const warnings = [...parsed.warnings, ...overrideWarnings(hook, parsed.post)];
  let avatarUrl: string | null = null;
  if (hook.webhook.allowOverride && parsed.post.avatarUrl) {
    avatarUrl = input.cacheIcon ? await input.cacheIcon(parsed.post.avatarUrl) : null;
    if (!avatarUrl)
      warnings.push("`icon_url` could not be fetched as a picture: the webhook's own avatar shows");
  }
  const post = { ...parsed.post, avatarUrl };
  if (input.dryRun) {
    const preview = await previewWebhookMessage(db, hook, post);
    return { status: 200, word: "ok", error: null, warnings, events: [], preview };
  }
  const { message, events } = await doDeliverWebhook(db, hook, post);
  const posted = { message, unfurl: post.unfurl !== false };
  return { status: 200, word: "ok", error: null, warnings, events, posted };
}

function overrideWarnings(hook: LiveWebhook, post: WebhookPost): string[] {
  if (hook.webhook.allowOverride) return [];
  const asked = [
    post.username && "`username`",
    post.avatarUrl && "`icon_url`",
    post.embeds?.icon_emoji && "`icon_emoji`",
  ].filter(Boolean);
  return asked.length
    ? [`${asked.join(", ")} ignored: this webhook keeps its own name and avatar (overrides are off)`]
    : [];
}

/**
 * The message a post would make, in the API's message shape plus `body_html` (what the web draws):
 * no id when it would be new; the earlier message's id when its `key` would edit that one.
 */
export async function previewWebhookMessage(db: Db, hook: LiveWebhook, post: WebhookPost) {
  const { webhook, channel } = hook;
  const { embeds, ...shown } = shownAs(webhook, post);
  const [earlier] = post.key
    ? await db
        .select({ id: messages.id, parentId: messages.parentId })
        .from(messages)
        .where(
          and(
            eq(messages.webhookId, webhook.id),
            eq(messages.webhookKey, post.key),
            isNull(messages.deletedAt),
          ),
        )
    : [];
  const parentId = earlier
    ? earlier.parentId
    : post.threadKey
      ? await threadRoot(db, webhook.id, post.threadKey)
      : null;
  return {
    action: earlier ? ("edit" as const) : ("post" as const),
    message: {
      id: earlier?.id ?? null,
      channel_id: channel.id,
      community_id: channel.communityId,
      parent_id: parentId,
      author: webhookAuthorView({ webhookId: webhook.id, ...shown, embeds }, webhook),
      body_md: post.bodyMd,
      body_html: renderMarkdownHtml(post.bodyMd),
      embeds: embeds ?? null,
      deleted: false,
      attachments: [],
      reactions: [],
    },
  };
}
