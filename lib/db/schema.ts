import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

// Ids are UUIDv7 made in the app, so id order is time order and history cursors are index scans.
const id = () =>
  uuid("id")
    .primaryKey()
    .$defaultFn(() => Bun.randomUUIDv7());
const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const at = (name: string) => timestamp(name, { withTimezone: true });
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });
/**
 * jsonb handed to the driver as the value itself. drizzle's own `jsonb` stringifies first, and Bun's
 * PostgreSQL client then encodes that string as a JSON string again: the column would hold
 * `"{\"a\":1}"` (a string) instead of `{"a":1}`, and every jsonb operator on it would be wrong. Both
 * drivers serialize objects and arrays to JSON themselves (PGlite also takes a string verbatim).
 */
const jsonb = <T = unknown>(name: string) =>
  customType<{ data: T; driverData: unknown }>({
    dataType: () => "jsonb",
    toDriver: (value) => value,
    // A row written before the fix reads back as the JSON text it holds.
    fromDriver: (value) => (typeof value === "string" ? JSON.parse(value) : value) as T,
  })(name);

/** Allowed values of the enum-like text columns; each is also a CHECK in the database. */
export const CHANNEL_TYPES = ["text", "voice", "dm", "group_dm"] as const;
export const VISIBILITIES = ["public", "private"] as const;
export const ROLES = ["owner", "admin", "member"] as const;
export const NOTIFICATION_TYPES = ["mention", "dm", "thread_reply", "invite", "system", "message"] as const;
/** Which rule made a notification: what "why was I notified?" answers. */
export const NOTIFICATION_REASONS = ["mention", "channel", "here", "dm", "thread", "all", "other"] as const;
/** A member's notification preference for one channel; null in the row means the default. */
export const NOTIFY_LEVELS = ["all", "mentions", "nothing"] as const;
export const MENTION_TARGETS = ["user", "channel", "here"] as const;
export const USER_KINDS = ["human", "bot"] as const;

const oneOf = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(", ")})`);

export const communities = pgTable("communities", {
  id: id(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  // Admins may turn link previews off for the whole community.
  unfurlLinks: boolean("unfurl_links").notNull().default(true),
  createdAt: createdAt(),
});

export const users = pgTable(
  "users",
  {
    id: id(),
    username: text("username").notNull().unique(),
    displayName: text("display_name").notNull(),
    email: text("email"),
    avatarUrl: text("avatar_url"),
    // The uploaded picture's square thumbnail in the object store (avatar_url then points at it).
    avatarKey: text("avatar_key"),
    // Bots (API users) are users too, so every message, reaction and mention has one kind of author.
    kind: text("kind").notNull().default("human"),
    lastSeenAt: at("last_seen_at"),
    // Set while the account is deactivated: nothing of theirs authenticates and nobody can DM them.
    deactivatedAt: at("deactivated_at"),
    // Do not disturb until then: notifications are kept but not rung.
    dndUntil: at("dnd_until"),
    createdAt: createdAt(),
  },
  (t) => [
    check("users_kind_check", oneOf("kind", USER_KINDS)),
    // Search-as-you-type: prefix matches on the lower-cased names are index range scans.
    index("users_username_prefix").using("btree", sql`lower(${t.username}) text_pattern_ops`),
    index("users_display_name_prefix").using("btree", sql`lower(${t.displayName}) text_pattern_ops`),
  ],
);

export const oauthAccounts = pgTable(
  "oauth_accounts",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    providerUserId: text("provider_user_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("oauth_accounts_provider_user").on(t.provider, t.providerUserId),
    index("oauth_accounts_user").on(t.userId),
  ],
);

export const apiUsers = pgTable(
  "api_users",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .unique()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    scopes: text("scopes").array().notNull().default(sql`'{}'::text[]`),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("api_users_community").on(t.communityId)],
);

export const sessions = pgTable(
  "sessions",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // Hex SHA-256 of the 256-bit secret; the secret itself is never stored.
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: at("expires_at").notNull(),
    absoluteExpiresAt: at("absolute_expires_at").notNull(),
    lastUsedAt: at("last_used_at").notNull().defaultNow(),
    userAgent: text("user_agent"),
    ip: text("ip"),
    createdAt: createdAt(),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: id(),
    apiUserId: uuid("api_user_id")
      .notNull()
      .references(() => apiUsers.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    scopes: text("scopes").array().notNull().default(sql`'{}'::text[]`),
    expiresAt: at("expires_at"),
    lastUsedAt: at("last_used_at"),
    revokedAt: at("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [index("api_tokens_api_user").on(t.apiUserId)],
);

export const channels = pgTable(
  "channels",
  {
    id: id(),
    communityId: uuid("community_id").references(() => communities.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    type: text("type").notNull().default("text"),
    visibility: text("visibility").notNull().default("public"),
    topic: text("topic").notNull().default(""),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    archivedAt: at("archived_at"),
    createdAt: createdAt(),
  },
  (t) => [
    check("channels_type_check", oneOf("type", CHANNEL_TYPES)),
    check("channels_visibility_check", oneOf("visibility", VISIBILITIES)),
    // DMs are global (no community); every other channel belongs to exactly one community.
    check("channels_dm_scope_check", sql`(type in ('dm', 'group_dm')) = (community_id is null)`),
    uniqueIndex("channels_community_name").on(t.communityId, t.name).where(sql`community_id is not null`),
    index("channels_community_name_prefix").using(
      "btree",
      t.communityId,
      sql`lower(${t.name}) text_pattern_ops`,
    ),
  ],
);

export const communityMembers = pgTable(
  "community_members",
  {
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").notNull().default("member"),
    nickname: text("nickname"),
    avatarUrl: text("avatar_url"),
    joinedAt: at("joined_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.communityId, t.userId] }),
    check("community_members_role_check", oneOf("role", ROLES)),
    index("community_members_user").on(t.userId),
  ],
);

export const channelMembers = pgTable(
  "channel_members",
  {
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    joinedAt: at("joined_at").notNull().defaultNow(),
    // Read position: the newest message this member has seen. Unread = messages with a larger id.
    lastReadMessageId: uuid("last_read_message_id"),
    lastReadAt: at("last_read_at"),
    // null: the default (every message in a DM, mentions elsewhere).
    notify: text("notify"),
    // Muted: unread messages carry no badge weight and nothing rings; mentions still count.
    muted: boolean("muted").notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.userId] }),
    index("channel_members_user").on(t.userId),
    // Every post looks up the few members of its channel who asked for every message.
    index("channel_members_notify_all").on(t.channelId).where(sql`notify = 'all'`),
    check("channel_members_notify_check", sql`notify is null or ${oneOf("notify", NOTIFY_LEVELS)}`),
  ],
);

export const webhooks = pgTable(
  "webhooks",
  {
    id: id(),
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    avatarUrl: text("avatar_url"),
    tokenHash: text("token_hash").notNull(),
    allowOverride: boolean("allow_override").notNull().default(true),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    revokedAt: at("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [index("webhooks_community").on(t.communityId)],
);

export const messages = pgTable(
  "messages",
  {
    id: id(),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    // A message is written by a user (human or bot) or by an incoming webhook.
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    webhookId: uuid("webhook_id").references(() => webhooks.id, { onDelete: "set null" }),
    parentId: uuid("parent_id").references((): AnyPgColumn => messages.id, {
      onDelete: "cascade",
    }),
    bodyMd: text("body_md").notNull(),
    // Structured Slack-style attachments (colour bar, fields) from webhooks.
    embeds: jsonb("embeds"),
    // Per-message display name/avatar, for webhook posts that override the webhook's own.
    authorName: text("author_name"),
    authorAvatarUrl: text("author_avatar_url"),
    clientMsgId: text("client_msg_id"),
    webhookKey: text("webhook_key"),
    // The link preview card of the message's first link, once fetched; the author may remove it.
    preview: jsonb("preview"),
    previewRemovedAt: at("preview_removed_at"),
    createdAt: createdAt(),
    editedAt: at("edited_at"),
    deletedAt: at("deleted_at"),
    search: tsvector("search").generatedAlwaysAs(sql`to_tsvector('english', body_md)`),
    // Keys of the adjacent word pairs, so a quoted phrase finds its few candidates in an index instead
    // of reading every message that has its words (migration 0018 defines the function).
    wordPairs: integer("word_pairs")
      .array()
      .generatedAlwaysAs(sql`message_word_pairs(to_tsvector('english', body_md))`),
  },
  (t) => [
    check("messages_body_length_check", sql`char_length(body_md) <= 40000`),
    check("messages_author_check", sql`user_id is not null or webhook_id is not null`),
    index("messages_channel_id").on(t.channelId, t.id),
    index("messages_parent_id").on(t.parentId, t.id).where(sql`parent_id is not null`),
    uniqueIndex("messages_author_client_msg_id").on(t.userId, t.clientMsgId),
    uniqueIndex("messages_webhook_key").on(t.webhookId, t.webhookKey),
    index("messages_search").using("gin", t.search),
    index("messages_word_pairs").using("gin", t.wordPairs),
  ],
);

/**
 * A count per channel of the changes to what its history shows (its messages, their reactions,
 * mentions and files), kept by triggers (migration 0019), so a server that holds a channel's newest
 * page knows from one number read with the access check (the sum of the channel's rows) whether the
 * page is still what the database holds. Each transaction counts on one of a few stripes of the
 * channel, picked by its id: a count is a row lock held to commit, and writers of one busy channel
 * would otherwise commit one at a time. The rows of the nil id count changes to what every history
 * shows of people and webhooks (names, pictures, deactivation).
 */
export const PEOPLE_VERSION = "00000000-0000-0000-0000-000000000000";
export const historyVersions = pgTable(
  "history_versions",
  {
    channelId: uuid("channel_id").notNull(),
    stripe: smallint("stripe").notNull(),
    version: bigint("version", { mode: "number" }).notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.stripe] })],
);

/** One thread per `thread_key` of a webhook: the message that started it. */
export const webhookThreads = pgTable(
  "webhook_threads",
  {
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    threadKey: text("thread_key").notNull(),
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.webhookId, t.threadKey] })],
);

export const INTEGRATION_KINDS = [
  "incoming_webhook",
  "outgoing_webhook",
  "slash_command",
  "event_subscription",
] as const;

/**
 * The last deliveries of each integration (webhook, slash command, event subscription), what its
 * owner reads to see why it fails: a few kept per integration, secrets masked before they are written.
 */
export const integrationDeliveries = pgTable(
  "integration_deliveries",
  {
    id: id(),
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    // The webhook, command or subscription; no foreign key, since it is one of several tables.
    subjectId: uuid("subject_id").notNull(),
    ok: boolean("ok").notNull(),
    status: integer("status"),
    latencyMs: integer("latency_ms").notNull(),
    attempts: integer("attempts").notNull().default(1),
    request: text("request").notNull().default(""),
    response: text("response").notNull().default(""),
    error: text("error"),
    // A webhook's `?dry_run=1` call: answered as it would be, nothing posted.
    dryRun: boolean("dry_run").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index("integration_deliveries_subject").on(t.subjectId, t.id),
    check("integration_deliveries_kind_check", oneOf("kind", INTEGRATION_KINDS)),
  ],
);

/**
 * Outgoing webhooks (Slack's legacy kind): messages in the chosen channels, or only those starting
 * with a trigger word, are POSTed to `url`; a reply with `text` is posted back by the webhook's own
 * bot user, shown under the webhook's name.
 */
export const outgoingWebhooks = pgTable(
  "outgoing_webhooks",
  {
    id: id(),
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    botUserId: uuid("bot_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // null: every public channel of the community, including ones made later.
    channelIds: jsonb("channel_ids").$type<string[] | null>(),
    triggerWords: jsonb("trigger_words").$type<string[]>().notNull().default([]),
    url: text("url").notNull(),
    // Sent in every payload as Slack does (the receiver compares it) and the key of the v0 signature,
    // so it is kept as given; shown only when created.
    token: text("token").notNull(),
    // Slack sends a form; Mattermost lets the admin choose JSON.
    contentType: text("content_type").notNull().default("form"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    index("outgoing_webhooks_community").on(t.communityId),
    check("outgoing_webhooks_content_type_check", sql`content_type in ('form', 'json')`),
  ],
);

/** A bot's subscription to events of its community, delivered as signed Slack-style callbacks. */
export const eventSubscriptions = pgTable(
  "event_subscriptions",
  {
    id: id(),
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    botUserId: uuid("bot_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    eventTypes: jsonb("event_types").$type<string[]>().notNull(),
    // Signs each callback (v0); kept because it must sign, shown only when created.
    signingSecret: text("signing_secret").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("event_subscriptions_community").on(t.communityId)],
);

export const OUTBOX_KINDS = ["outgoing_webhook", "event_subscription"] as const;

/**
 * Calls to integrations still to be made, one row per (integration, event): any api instance claims
 * a due row with a lease (FOR UPDATE SKIP LOCKED), so a call survives a restart and is made by one
 * instance however many saw the event.
 */
export const integrationOutbox = pgTable(
  "integration_outbox",
  {
    id: id(),
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    // The outgoing webhook or subscription; its deletion is noticed when the row is claimed.
    targetId: uuid("target_id").notNull(),
    eventId: text("event_id").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: at("next_attempt_at").notNull().defaultNow(),
    leaseUntil: at("lease_until"),
    leasedBy: uuid("leased_by"),
    lastError: text("last_error"),
    deadAt: at("dead_at"),
    deliveredAt: at("delivered_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("integration_outbox_target_event").on(t.targetId, t.eventId),
    index("integration_outbox_due").on(t.nextAttemptAt).where(sql`delivered_at is null and dead_at is null`),
    index("integration_outbox_dead").on(t.targetId, t.deadAt).where(sql`dead_at is not null`),
    check("integration_outbox_kind_check", oneOf("kind", OUTBOX_KINDS)),
  ],
);

/**
 * A community's own slash command (Slack's "custom slash command"): typing `/<name>` POSTs Slack's
 * form to `url`. The signing secret and the legacy verification token are kept as they are, since
 * every call is signed with the one and carries the other; they are shown once and never listed.
 */
export const slashCommands = pgTable(
  "slash_commands",
  {
    id: id(),
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    usageHint: text("usage_hint").notNull().default(""),
    signingSecret: text("signing_secret").notNull(),
    verificationToken: text("verification_token").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("slash_commands_community_name").on(t.communityId, t.name)],
);

/**
 * One invocation's `response_url`: where the app may answer later (30 minutes, 5 times), for the
 * person who typed the command in the channel they typed it in. Only the token's hash is stored.
 */
export const slashCommandResponses = pgTable(
  "slash_command_responses",
  {
    id: id(),
    commandId: uuid("command_id")
      .notNull()
      .references(() => slashCommands.id, { onDelete: "cascade" }),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    uses: integer("uses").notNull().default(0),
    expiresAt: at("expires_at").notNull(),
    createdAt: createdAt(),
  },
  // Each call sweeps its command's expired URLs.
  (t) => [index("slash_command_responses_command").on(t.commandId, t.expiresAt)],
);

export const attachments = pgTable(
  "attachments",
  {
    id: id(),
    // Null until the upload is attached to a message (an upload can precede its message).
    messageId: uuid("message_id").references(() => messages.id, { onDelete: "cascade" }),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    uploaderId: uuid("uploader_id").references(() => users.id, { onDelete: "set null" }),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    storageKey: text("storage_key").notNull().unique(),
    // Images: their size (so clients reserve the space) and a thumbnail in the object store.
    width: integer("width"),
    height: integer("height"),
    thumbKey: text("thumb_key"),
    createdAt: createdAt(),
  },
  (t) => [
    check("attachments_size_check", sql`size_bytes >= 0`),
    index("attachments_message").on(t.messageId),
    index("attachments_channel").on(t.channelId),
  ],
);

export const reactions = pgTable(
  "reactions",
  {
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    emoji: text("emoji").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.userId, t.emoji] })],
);

export const mentions = pgTable(
  "mentions",
  {
    id: id(),
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    targetType: text("target_type").notNull(),
    // The mentioned user for target_type 'user'; null for @channel and @here.
    targetId: uuid("target_id").references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [
    check("mentions_target_type_check", oneOf("target_type", MENTION_TARGETS)),
    check("mentions_target_id_check", sql`(target_type = 'user') = (target_id is not null)`),
    index("mentions_message").on(t.messageId),
    index("mentions_target").on(t.targetId),
  ],
);

export const notifications = pgTable(
  "notifications",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    // The originating entity (message, channel, community) according to `type`.
    sourceId: uuid("source_id").notNull(),
    channelId: uuid("channel_id").references(() => channels.id, { onDelete: "cascade" }),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    data: jsonb("data"),
    // The rule that fired (null for rows written before reasons were kept).
    reason: text("reason"),
    read: boolean("read").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    check("notifications_type_check", oneOf("type", NOTIFICATION_TYPES)),
    check("notifications_reason_check", sql`reason is null or ${oneOf("reason", NOTIFICATION_REASONS)}`),
    index("notifications_source").on(t.sourceId),
    index("notifications_user_read").on(t.userId, t.read, t.id),
  ],
);

/** A message pinned to its channel: one pin per message. */
export const pins = pgTable(
  "pins",
  {
    messageId: uuid("message_id")
      .primaryKey()
      .references(() => messages.id, { onDelete: "cascade" }),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    pinnedBy: uuid("pinned_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("pins_channel").on(t.channelId, t.createdAt)],
);

/** A message someone saved for later; private to them. */
export const savedItems = pgTable(
  "saved_items",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.messageId] }),
    index("saved_items_user").on(t.userId, t.createdAt),
  ],
);

export const invites = pgTable(
  "invites",
  {
    id: id(),
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull().unique(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    maxUses: integer("max_uses"),
    uses: integer("uses").notNull().default(0),
    expiresAt: at("expires_at"),
    revokedAt: at("revoked_at"),
    // A claim invite: whoever signs in through it becomes this placeholder (a Slack import's person).
    claimUserId: uuid("claim_user_id").references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [
    check("invites_uses_check", sql`uses >= 0 and (max_uses is null or max_uses > 0)`),
    index("invites_community").on(t.communityId),
  ],
);

export const communityBans = pgTable(
  "community_bans",
  {
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    bannedBy: uuid("banned_by").references(() => users.id, { onDelete: "set null" }),
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.userId] })],
);

export const communityMutes = pgTable(
  "community_mutes",
  {
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    mutedBy: uuid("muted_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: at("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.userId] })],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: id(),
    communityId: uuid("community_id").references(() => communities.id, { onDelete: "cascade" }),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: uuid("target_id"),
    data: jsonb("data"),
    ip: text("ip"),
    traceId: text("trace_id"),
    createdAt: createdAt(),
  },
  (t) => [index("audit_log_community").on(t.communityId, t.id), index("audit_log_actor").on(t.actorId)],
);

/** One-time first-user setup links (embedded mode with no OAuth provider). */
export const setupTokens = pgTable("setup_tokens", {
  id: id(),
  tokenHash: text("token_hash").notNull(),
  usedAt: at("used_at"),
  createdAt: createdAt(),
});

export const DEVICE_STATUSES = ["pending", "approved", "denied", "issued"] as const;

/** Terminal logins waiting for a signed-in browser to approve them (the device flow). */
export const deviceCodes = pgTable(
  "device_codes",
  {
    id: id(),
    // What the person types or checks in the browser, e.g. "WDJB-MJHT".
    userCode: text("user_code").notNull().unique(),
    // The secret the terminal polls with; only its hash is stored.
    deviceCodeHash: text("device_code_hash").notNull(),
    clientName: text("client_name").notNull(),
    ip: text("ip"),
    status: text("status").notNull().default("pending"),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    expiresAt: at("expires_at").notNull(),
    createdAt: createdAt(),
  },
  () => [check("device_codes_status_check", oneOf("status", DEVICE_STATUSES))],
);

/**
 * Rate-limit state shared by every gateway and API process over one PostgreSQL (token buckets, the
 * device flow's poll pacing), so N instances allow one budget. UNLOGGED (the migration says so):
 * no WAL per request, and a crash that empties it only forgives some spent tokens. PGlite, which
 * one process owns alone, keeps its buckets in memory and leaves this table empty.
 */
export const rateLimitBuckets = pgTable("rate_limit_buckets", {
  // `<limit>:<who>`, e.g. `general:session:<id>`, `webhook:<id>`.
  key: text("key").primaryKey(),
  // Tokens left as of `at`.
  level: doublePrecision("level").notNull(),
  // The database's clock (epoch seconds), so every instance agrees on time.
  at: doublePrecision("at").notNull(),
  // Whether the last take got a token (or the last poll was not too soon).
  granted: boolean("granted").notNull(),
});

/** Link preview cards by URL, so a link pasted again is not fetched again. `card` null: nothing to show. */
export const linkPreviews = pgTable("link_previews", {
  url: text("url").primaryKey(),
  card: jsonb("card"),
  fetchedAt: at("fetched_at").notNull().defaultNow(),
});

/** Remote images (preview pictures, webhook icons) fetched once and served from here, never hot-linked. */
export const remoteImages = pgTable("remote_images", {
  id: id(),
  url: text("url").notNull().unique(),
  storageKey: text("storage_key").notNull(),
  contentType: text("content_type").notNull(),
  width: integer("width").notNull(),
  height: integer("height").notNull(),
  fetchedAt: at("fetched_at").notNull().defaultNow(),
});

export const SCHEDULED_KINDS = ["reminder", "message"] as const;

/**
 * Reminders and messages to send later: a leased job table every API instance polls. A due row is
 * claimed by setting `lease_until`/`leased_by` (`for update skip locked`), delivered with a dedupe
 * key made of its id and due time, then finished (`done_at`) or moved to its next time (recurring).
 * A claim whose lease ran out (the instance died) is claimed again; the dedupe key keeps it from
 * posting twice.
 */
export const scheduledJobs = pgTable(
  "scheduled_jobs",
  {
    id: id(),
    kind: text("kind").notNull(),
    createdBy: uuid("created_by")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // Where it goes: a channel (a scheduled message, a #channel reminder) or a person (me, @user).
    channelId: uuid("channel_id").references(() => channels.id, { onDelete: "cascade" }),
    targetUserId: uuid("target_user_id").references(() => users.id, { onDelete: "cascade" }),
    bodyMd: text("body_md").notNull(),
    // A recurring reminder's rule (`weekday 09:00`, `day 17:00`, `friday 15:00`); null: once.
    repeat: text("repeat"),
    // The zone its wall-clock times were read in, so each next time is computed in it too.
    timeZone: text("time_zone").notNull(),
    dueAt: at("due_at").notNull(),
    leaseUntil: at("lease_until"),
    leasedBy: text("leased_by"),
    doneAt: at("done_at"),
    cancelledAt: at("cancelled_at"),
    // Why it was not sent (the author may no longer post there).
    failedReason: text("failed_reason"),
    lastMessageId: uuid("last_message_id"),
    createdAt: createdAt(),
  },
  (t) => [
    check("scheduled_jobs_kind_check", oneOf("kind", SCHEDULED_KINDS)),
    check("scheduled_jobs_target_check", sql`(channel_id is null) <> (target_user_id is null)`),
    index("scheduled_jobs_due").on(t.dueAt).where(sql`done_at is null`),
    index("scheduled_jobs_created_by").on(t.createdBy, t.dueAt),
  ],
);

/**
 * What a Slack import made of each Slack id (people, conversations), so a re-run finds them instead
 * of adding them twice. Messages need no row here: their ids are derived from the Slack ts.
 */
export const slackImportIds = pgTable(
  "slack_import_ids",
  {
    communityId: uuid("community_id")
      .notNull()
      .references(() => communities.id, { onDelete: "cascade" }),
    // "user", "bot" (a bot_id or webhook name without a user) or "conversation".
    kind: text("kind").notNull(),
    slackId: text("slack_id").notNull(),
    localId: uuid("local_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.communityId, t.kind, t.slackId] })],
);
