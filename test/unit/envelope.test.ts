import { describe, expect, test } from "bun:test";
import { envelope, parseEnvelope } from "../../lib/bus/envelope.ts";
import {
  isPersisted,
  isPublishSubject,
  isSubscribeSubject,
  subjectMatches,
  subjects,
} from "../../lib/bus/subjects.ts";

const community = "01a21aa8-eef5-7230-93c4-6332eb28f767";
const channel = "01a21aa8-f2ad-7280-bd84-3dc09ca0a4e2";

describe("event envelope", () => {
  test("a built envelope has the plan's fields and validates", () => {
    const e = envelope("message.created", {
      community_id: community,
      channel_id: channel,
      data: { body_md: "hi" },
    });
    expect(Object.keys(e).sort()).toEqual([
      "actor_id",
      "channel_id",
      "community_id",
      "data",
      "timestamp",
      "type",
    ]);
    expect(parseEnvelope(JSON.parse(JSON.stringify(e)))).toEqual(e);
  });

  test("unknown fields are kept, because the schema only ever grows", () => {
    const e = { ...envelope("reaction.added", { channel_id: channel }), version: 2 };
    expect(parseEnvelope(e)).toMatchObject({ version: 2 });
  });

  test.each([
    ["a missing type", { type: undefined }],
    ["a type that is not noun.verb", { type: "MessageCreated" }],
    ["a community id that is not a uuid", { community_id: "general" }],
    ["a timestamp that is not ISO-8601", { timestamp: "yesterday" }],
    ["data that is not an object", { data: "hello" }],
  ])("is rejected with %s", (_what, patch) => {
    const e = { ...envelope("message.created", { channel_id: channel }), ...patch };
    expect(() => parseEnvelope(e)).toThrow();
  });
});

describe("subjects", () => {
  test("follow the plan's hierarchy", () => {
    expect(subjects.communityEvents(community)).toBe(`chat.events.${community}`);
    expect(subjects.dm(channel)).toBe(`chat.dm.${channel}`);
    expect(subjects.typing(community, channel)).toBe(`chat.typing.${community}.${channel}`);
    expect(subjects.dmTyping(channel)).toBe(`chat.typing.dm.${channel}`);
    expect(subjects.presence(community)).toBe(`chat.presence.${community}`);
    expect(subjects.notifications(community)).toBe(`chat.notifications.${community}`);
  });

  test("events, DMs and notifications are kept for replay; typing and presence are not", () => {
    expect(isPersisted(subjects.communityEvents(community))).toBe(true);
    expect(isPersisted(subjects.dm(channel))).toBe(true);
    expect(isPersisted(subjects.notifications(community))).toBe(true);
    expect(isPersisted(subjects.typing(community, channel))).toBe(false);
    expect(isPersisted(subjects.presence(community))).toBe(false);
  });

  test("match like NATS: * is one token, a trailing > is one or more", () => {
    expect(subjectMatches("chat.events.*", "chat.events.a")).toBe(true);
    expect(subjectMatches("chat.events.*", "chat.events.a.b")).toBe(false);
    expect(subjectMatches("chat.events.>", "chat.events.a.b")).toBe(true);
    expect(subjectMatches("chat.events.>", "chat.events")).toBe(false);
    expect(subjectMatches("chat.typing.c.*", "chat.typing.c.x")).toBe(true);
    expect(subjectMatches("chat.typing.c.*", "chat.typing.d.x")).toBe(false);
    expect(subjectMatches("chat.events.a", "chat.events.ab")).toBe(false);
  });

  test("publishing needs a concrete subject; subscribing allows wildcards", () => {
    expect(isPublishSubject("chat.events.a")).toBe(true);
    expect(isPublishSubject("chat.events.*")).toBe(false);
    expect(isPublishSubject("chat..events")).toBe(false);
    expect(isPublishSubject("chat.events.a b")).toBe(false);
    expect(isSubscribeSubject("chat.events.>")).toBe(true);
    expect(isSubscribeSubject("chat.>.events")).toBe(false);
  });
});
