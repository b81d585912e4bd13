/** The plan's subject hierarchy. Ids are UUIDs, so they never contain `.`, `*` or `>`. */
export const subjects = {
  communityEvents: (communityId: string) => `chat.events.${communityId}`,
  dm: (channelId: string) => `chat.dm.${channelId}`,
  typing: (communityId: string, channelId: string) => `chat.typing.${communityId}.${channelId}`,
  dmTyping: (channelId: string) => `chat.typing.dm.${channelId}`,
  presence: (communityId: string) => `chat.presence.${communityId}`,
  notifications: (userId: string) => `chat.notifications.${userId}`,
  /** Someone's sessions, tokens or account changed: gateways forget what they remembered of them. */
  credentials: () => "chat.credentials",
} as const;

/** Subjects kept for replay (JetStream, or the in-process buffer). Typing and presence are not. */
export const PERSISTED_SUBJECTS = ["chat.events.>", "chat.dm.>", "chat.notifications.>"] as const;

export function isPersisted(subject: string) {
  return PERSISTED_SUBJECTS.some((pattern) => subjectMatches(pattern, subject));
}

const token = /^[^\s.*>]+$/;

/** True for a concrete subject one can publish on: dot-separated tokens, no wildcards. */
export function isPublishSubject(subject: string) {
  return subject.split(".").every((t) => token.test(t));
}

/** True for a subscription pattern: tokens, `*` for one token, `>` only as the last token. */
export function isSubscribeSubject(pattern: string) {
  const tokens = pattern.split(".");
  return tokens.every((t, i) => token.test(t) || t === "*" || (t === ">" && i === tokens.length - 1));
}

/** NATS subject matching: `*` matches one token, a trailing `>` one or more. */
export function subjectMatches(pattern: string, subject: string) {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== "*" && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
