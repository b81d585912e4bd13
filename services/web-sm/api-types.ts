/** The API's JSON shapes as the web pages read them (only the fields drawn). */
export interface Person {
  id: string;
  username: string;
  display_name: string;
  avatar_url: string | null;
  is_bot: boolean;
  online?: boolean;
}

export interface Me extends Person {
  email: string | null;
}

export interface Community {
  id: string;
  name: string;
  slug: string;
  role: string;
}

export interface Channel {
  id: string;
  community_id: string | null;
  name: string;
  type: string;
  visibility: string;
  topic: string;
  is_member: boolean;
  last_read_message_id: string | null;
  unread_count?: number;
  mention_count?: number;
  members?: Person[];
}

export interface Reaction {
  emoji: string;
  count: number;
  user_ids: string[];
}

export interface Attachment {
  id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  url: string;
}

export type {
  Attachment as EmbedAttachment,
  Block as EmbedBlock,
  Embeds,
} from "../../lib/webhooks/payload.ts";

import type { Embeds } from "../../lib/webhooks/payload.ts";

export interface Message {
  id: string;
  channel_id: string;
  community_id: string | null;
  parent_id: string | null;
  author: {
    id: string | null;
    username: string | null;
    display_name: string;
    avatar_url: string | null;
    is_bot: boolean;
  };
  body_md: string;
  deleted: boolean;
  embeds: Embeds | null;
  created_at: string;
  edited_at: string | null;
  reply_count: number;
  reactions: Reaction[];
  attachments: Attachment[];
}

export interface Page<T> {
  items: T[];
  has_more: boolean;
}

export interface Member {
  user: Person;
  role: string;
  nickname: string | null;
}

export interface Notification {
  id: string;
  type: string;
  source_id: string;
  channel_id: string | null;
  actor_id: string | null;
  data: Record<string, unknown>;
  read: boolean;
  created_at: string;
  preview: string | null;
}
