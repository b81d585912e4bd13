import { describe, expect, test } from "bun:test";
import { microsToTs, slackId } from "../../lib/slack-export/ids.ts";
import { markdownToMrkdwn } from "../../lib/slack-export/mrkdwn-out.ts";
import { mrkdwnToMarkdown } from "../../lib/webhooks/mrkdwn.ts";

const ids = (name: string) => ({ alice: "UALICE0000A" })[name];

describe("our markdown as Slack mrkdwn", () => {
  test.each([
    ["**bold**", "*bold*"],
    ["_italic_ and *italic*", "_italic_ and _italic_"],
    ["~~gone~~", "~gone~"],
    ["[the docs](https://example.com/a)", "<https://example.com/a|the docs>"],
    ["<https://example.com>", "<https://example.com>"],
    ["hi @alice and @nobody", "hi <@UALICE0000A> and @nobody"],
    ["@here @channel", "<!here> <!channel>"],
    ["a & b < c > d", "a &amp; b &lt; c &gt; d"],
    ["`a<b`", "`a&lt;b`"],
    ["```\nif (a < b) go();\n```", "```\nif (a &lt; b) go();\n```"],
    ["para one\n\npara two", "para one\n\npara two"],
    ["- one\n- **two**", "• one\n• *two*"],
    ["1. first\n2. second", "1. first\n2. second"],
    ["> quoted\n\nafter", "> quoted\n\nafter"],
    ["# Title", "*Title*"],
  ])("%j → %j", (md, mrkdwn) => {
    expect(markdownToMrkdwn(md, ids)).toBe(mrkdwn);
  });

  test("what the Slack translator reads back is the markdown we wrote, for the shapes both know", () => {
    for (const md of [
      "**bold** _it_ ~~s~~ [a](https://x.com) <https://y.com> @here",
      "a & b < c",
      "```\ncode <here>\n```",
    ])
      expect(mrkdwnToMarkdown(markdownToMrkdwn(md, ids))).toBe(md);
  });
});

describe("Slack ids and timestamps", () => {
  test("an id is the kind's letter and ten base32 characters, the same for the same uuid", () => {
    const uuid = "0192f0c4-1111-7000-8000-000000000001";
    expect(slackId("user", uuid)).toMatch(/^U[A-Z2-7]{10}$/);
    expect(slackId("user", uuid)).toBe(slackId("user", uuid));
    expect(slackId("channel", uuid)).toBe(`C${slackId("user", uuid).slice(1)}`);
    expect(slackId("user", uuid)).not.toBe(slackId("user", "0192f0c4-1111-7000-8000-000000000002"));
  });

  test("a ts keeps every microsecond", () => {
    expect(microsToTs(1_700_000_000_000_001n)).toBe("1700000000.000001");
    expect(microsToTs(1_614_589_200_123_456n)).toBe("1614589200.123456");
  });
});
