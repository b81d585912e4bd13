import type { MessageJson } from "../../lib/client/views.ts";

/** A message as the API sends it, by Alice Smith, with whatever `over` changes. */
export const messageJson = (over: Partial<MessageJson> = {}): MessageJson => ({
  id: "0190a000-0000-7000-8000-000000000001",
  channel_id: "c",
  community_id: "k",
  parent_id: null,
  author: { id: "u-alice", username: "alice", display_name: "Alice Smith", avatar_url: null, is_bot: false },
  body_md: "see https://news.example/a",
  deleted: false,
  embeds: null,
  client_msg_id: null,
  created_at: "2026-01-01T00:00:00.000Z",
  edited_at: null,
  reply_count: 0,
  reactions: [],
  mentions: [],
  attachments: [],
  ...over,
});
