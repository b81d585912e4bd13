import { expect, test } from "bun:test";
import { withAbsoluteFiles } from "../../lib/admin/run.ts";
import { idFromTs } from "../../lib/slack-import/ids.ts";
import { slackMessage, tsToDate } from "../../lib/slack-import/model.ts";
import { bodyMarkdown, botName, noticeReason, reactionEmoji } from "../../lib/slack-import/translate.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("a message's id is a UUIDv7 made from its ts: the same every run, in ts order to the microsecond", () => {
  const a = idFromTs("1614589260.000100", "c/C1/1614589260.000100");
  expect(a).toMatch(UUID_V7);
  expect(idFromTs("1614589260.000100", "c/C1/1614589260.000100")).toBe(a);
  expect(idFromTs("1614589260.000100", "c/C2/1614589260.000100")).not.toBe(a);
  const tss = [
    "1614589260.000099",
    "1614589260.000100",
    "1614589260.000101",
    "1614589260.001000",
    "1614589261.000000",
  ];
  const ids = tss.map((ts) => idFromTs(ts, `c/C1/${ts}`));
  expect([...ids].sort()).toEqual(ids);
  // The time part is the ts's milliseconds, as Bun.randomUUIDv7 would write it.
  expect(Number.parseInt(a.replaceAll("-", "").slice(0, 12), 16)).toBe(
    tsToDate("1614589260.000100").getTime(),
  );
});

test("mrkdwn becomes our markdown, with Slack user ids as the usernames the import made", () => {
  const usernames = new Map([["U0BOB", "bob"]]);
  expect(bodyMarkdown("hi <@U0BOB>, see <https://x.test|*this*> &amp; <@U0NOBODY>", usernames)).toBe(
    "hi @bob, see [*this*](https://x.test) & <@U0NOBODY>",
  );
  expect(bodyMarkdown("<@U0BOB|bob> *done* ~not~", usernames)).toBe("@bob **done** ~~not~~");
});

test("Slack's notices are left out with a reason; messages and bot posts are not", () => {
  const parse = (m: Record<string, unknown>) => slackMessage.parse({ ts: "1.000001", ...m });
  expect(noticeReason(parse({ subtype: "channel_join" }))).toBe("join/leave notice (system noise)");
  expect(noticeReason(parse({ subtype: "channel_name" }))).toContain("rename notice");
  expect(noticeReason(parse({ subtype: "thread_broadcast" }))).toBeNull();
  expect(noticeReason(parse({ subtype: "bot_message" }))).toBeNull();
  expect(botName(parse({ subtype: "bot_message", username: "CI", bot_id: "B1" }))).toBe("CI");
  expect(botName(parse({ bot_id: "B1", bot_profile: { name: "Jira" } }))).toBe("Jira");
  expect(botName(parse({ user: "U1", text: "hi" }))).toBeNull();
});

test("reaction names become emoji, skin tones dropped; custom emoji have none", () => {
  expect(reactionEmoji("thumbsup")).toBe("👍");
  expect(reactionEmoji("+1::skin-tone-3")).toBe("👍");
  expect(reactionEmoji("tada")).toBe("🎉");
  expect(reactionEmoji("partyparrot")).toBeUndefined();
});

test("the export named on the command line reaches a running server as an absolute path", () => {
  expect(withAbsoluteFiles(["import", "slack", "export.zip", "--community", "acme"], "/home/ann")).toEqual([
    "import",
    "slack",
    "/home/ann/export.zip",
    "--community=acme",
  ]);
  const other = ["role", "@bob", "admin", "--community", "acme"];
  expect(withAbsoluteFiles(other, "/home/ann")).toBe(other);
});
