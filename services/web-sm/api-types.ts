/** The API's JSON shapes, under the names the web pages use; the shapes themselves are the clients' one set. */
export type {
  AttachmentJson as Attachment,
  BotTokenJson as BotToken,
  ChannelJson as Channel,
  CommunityJson as Community,
  CustomCommandJson as CustomCommand,
  DmJson as Dm,
  MeJson as Me,
  MemberJson as Member,
  MessageJson as Message,
  NotificationJson as Notification,
  Page,
  ReactionJson as Reaction,
  UserJson as Person,
} from "../../lib/client/views.ts";
export type {
  Attachment as EmbedAttachment,
  Block as EmbedBlock,
  Embeds,
} from "../../lib/webhooks/payload.ts";
