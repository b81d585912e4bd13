import { emojiByName } from "../emoji/shortcodes.ts";
import { MAX_BODY_CHARS } from "../messages/post.ts";
import { mrkdwnToMarkdown } from "../webhooks/mrkdwn.ts";
import type { ParsedSlackMessage } from "./model.ts";

/** Slack's notices of who came and went, renames and topic changes: not conversation, so not imported. */
const NOTICES: Record<string, string> = {
  channel_join: "join/leave notice (system noise)",
  channel_leave: "join/leave notice (system noise)",
  group_join: "join/leave notice (system noise)",
  group_leave: "join/leave notice (system noise)",
  channel_name: "rename notice (the channel has its current name)",
  group_name: "rename notice (the channel has its current name)",
  channel_topic: "topic or purpose notice (the channel has its current topic)",
  channel_purpose: "topic or purpose notice (the channel has its current topic)",
  group_topic: "topic or purpose notice (the channel has its current topic)",
  group_purpose: "topic or purpose notice (the channel has its current topic)",
  channel_archive: "archive notice",
  channel_unarchive: "archive notice",
  group_archive: "archive notice",
  group_unarchive: "archive notice",
  pinned_item: "pin notice",
  unpinned_item: "pin notice",
  tombstone: "deleted message (tombstone)",
};

/** Why a message is left out as a notice, or null for a message to import. */
export const noticeReason = (m: ParsedSlackMessage) => (m.subtype ? (NOTICES[m.subtype] ?? null) : null);

/** The name a bot message shows under, when no person wrote it. */
export function botName(m: ParsedSlackMessage): string | null {
  if (m.subtype !== "bot_message" && !(m.bot_id && !m.user)) return null;
  const profile = m.bot_profile as { name?: unknown } | undefined;
  return m.username || (typeof profile?.name === "string" ? profile.name : "") || m.bot_id || "bot";
}

/**
 * A message's text as our markdown: `<@U123>` becomes `@username` for people the import knows (the
 * mrkdwn translator leaves Slack ids as text), then mrkdwn → markdown with the webhooks' translator.
 */
export function bodyMarkdown(text: string, usernames: Map<string, string>): string {
  const named = text.replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, (whole, id: string) => {
    const username = usernames.get(id);
    return username ? `@${username}` : whole;
  });
  return mrkdwnToMarkdown(named).slice(0, MAX_BODY_CHARS);
}

/** A Slack reaction name (`thumbsup`, `+1::skin-tone-2`) as the emoji; undefined for custom emoji. */
export const reactionEmoji = (name: string) => emojiByName(name.split("::")[0] as string);
