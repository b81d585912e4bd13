/**
 * The events a bot may subscribe to: the bus's own community event types, named as the live stream
 * (`ajet-chat tail --json`) names them, so one handler reads both.
 */
export const SUBSCRIBABLE_EVENTS = [
  "message.created",
  "message.updated",
  "message.deleted",
  "reaction.added",
  "reaction.removed",
  "member.joined",
  "member.left",
  "channel.created",
  "channel.updated",
  "channel.archived",
  "channel.unarchived",
  "channel.member_joined",
  "channel.member_left",
] as const;

export type SubscribableEvent = (typeof SUBSCRIBABLE_EVENTS)[number];

export const isSubscribable = (type: string): type is SubscribableEvent =>
  (SUBSCRIBABLE_EVENTS as readonly string[]).includes(type);
