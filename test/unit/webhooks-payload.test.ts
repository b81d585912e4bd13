import { describe, expect, test } from "bun:test";
import { normalizeColor, parseWebhookBody, type WebhookPost } from "../../lib/webhooks/payload.ts";

const JSON_TYPE = "application/json";
const post = (body: unknown, contentType = JSON_TYPE): WebhookPost => {
  const result = parseWebhookBody(contentType, typeof body === "string" ? body : JSON.stringify(body));
  if (!result.ok) throw new Error(`expected a post, got ${result.code}`);
  return result.post;
};
const refused = (raw: string, contentType: string | null = JSON_TYPE) => {
  const result = parseWebhookBody(contentType, raw);
  return result.ok ? "accepted" : result.code;
};
const plain = { username: null, avatarUrl: null, embeds: null, key: null, threadKey: null };

describe("webhook payload fixtures", () => {
  test("Slack's simplest payload: text in mrkdwn", () => {
    expect(post({ text: "*Deploy* of <https://git.test/c/abc|abc> finished <!here>" })).toEqual({
      ...plain,
      bodyMd: "**Deploy** of [abc](https://git.test/c/abc) finished @here",
    });
  });

  test("our own payload: text, username, avatar_url, key, thread_key", () => {
    expect(
      post({
        text: "build #42 **passed**",
        username: "Jenkins",
        avatar_url: "https://ci.test/jenkins.png",
        key: "build-42",
        thread_key: "pr-7",
      }),
    ).toEqual({
      bodyMd: "build #42 **passed**",
      username: "Jenkins",
      avatarUrl: "https://ci.test/jenkins.png",
      embeds: null,
      key: "build-42",
      threadKey: "pr-7",
    });
  });

  test("Slack's username, icon_url and icon_emoji", () => {
    expect(
      post({ text: "hi", username: "  ghost  ", icon_url: "https://x.test/g.png", icon_emoji: ":ghost:" }),
    ).toEqual({
      ...plain,
      bodyMd: "hi",
      username: "ghost",
      avatarUrl: "https://x.test/g.png",
      embeds: { body_is_fallback: false, icon_emoji: ":ghost:" },
    });
  });

  test("a legacy attachment with every field, kept as structured data", () => {
    const result = post({
      text: "Build finished",
      attachments: [
        {
          fallback: "Build #42 passed: https://ci.test/42",
          color: "good",
          pretext: "*main* branch",
          author_name: "ci-bot",
          author_link: "https://ci.test",
          author_icon: "https://ci.test/icon.png",
          title: "Build #42",
          title_link: "https://ci.test/42",
          text: "All ~3~ 4 stages _passed_ &amp; deployed",
          fields: [
            { title: "Duration", value: "3m 12s", short: true },
            { title: "Commit", value: "<https://git.test/c/abc|abc>", short: true },
            { title: "Tests", value: 1204 },
          ],
          image_url: "https://ci.test/chart.png",
          thumb_url: "https://ci.test/thumb.png",
          footer: "Jenkins",
          footer_icon: "https://ci.test/jenkins.png",
          ts: 1_700_000_000,
        },
      ],
    });
    expect(result).toEqual({
      ...plain,
      bodyMd: "Build finished",
      embeds: {
        body_is_fallback: false,
        attachments: [
          {
            fallback: "Build #42 passed: https://ci.test/42",
            color: "#2eb886",
            pretext_md: "**main** branch",
            author_name: "ci-bot",
            author_link: "https://ci.test",
            author_icon: "https://ci.test/icon.png",
            title: "Build #42",
            title_link: "https://ci.test/42",
            text_md: "All ~~3~~ 4 stages _passed_ & deployed",
            fields: [
              { title: "Duration", value_md: "3m 12s", short: true },
              { title: "Commit", value_md: "[abc](https://git.test/c/abc)", short: true },
              { title: "Tests", value_md: "1204", short: false },
            ],
            image_url: "https://ci.test/chart.png",
            thumb_url: "https://ci.test/thumb.png",
            footer: "Jenkins",
            footer_icon: "https://ci.test/jenkins.png",
            ts: 1_700_000_000,
          },
        ],
      },
    });
  });

  test("attachments without text: the body is their fallback, marked as such", () => {
    expect(
      post({
        attachments: [
          { fallback: "Disk *90%* full", color: "danger", text: "Disk *90%* full on db-1" },
          { color: "#ABC", pretext: "Also:", title: "Load high", text: "load 12" },
        ],
      }),
    ).toEqual({
      ...plain,
      bodyMd: "Disk \\*90%\\* full\nAlso:\nLoad high\nload 12",
      embeds: {
        body_is_fallback: true,
        attachments: [
          { fallback: "Disk *90%* full", color: "#a30200", text_md: "Disk **90%** full on db-1" },
          { color: "#aabbcc", pretext_md: "Also:", title: "Load high", text_md: "load 12" },
        ],
      },
    });
  });

  test("Block Kit: header, section with text and fields and image, divider, context, image", () => {
    const result = post({
      text: "Deploy finished (fallback)",
      blocks: [
        { type: "header", text: { type: "plain_text", text: "Deploy *v2.3*", emoji: true } },
        {
          type: "section",
          text: { type: "mrkdwn", text: "*Service:* api\n<https://ci.test/7|Pipeline 7>" },
          fields: [
            { type: "mrkdwn", text: "*Env:*\nprod" },
            { type: "plain_text", text: "took 5_min" },
          ],
          accessory: { type: "image", image_url: "https://ci.test/ok.png", alt_text: "ok" },
        },
        { type: "divider" },
        {
          type: "context",
          elements: [
            { type: "image", image_url: "https://ci.test/me.png", alt_text: "alice" },
            { type: "mrkdwn", text: "by *alice*" },
          ],
        },
        {
          type: "image",
          image_url: "https://ci.test/graph.png",
          alt_text: "graph",
          title: { type: "plain_text", text: "Latency" },
        },
        { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Roll back" } }] },
      ],
    });
    expect(result).toEqual({
      ...plain,
      bodyMd: "Deploy finished (fallback)",
      embeds: {
        body_is_fallback: true,
        blocks: [
          { type: "header", text: "Deploy *v2.3*" },
          {
            type: "section",
            text_md: "**Service:** api\n[Pipeline 7](https://ci.test/7)",
            fields_md: ["**Env:**\nprod", "took 5\\_min"],
            image_url: "https://ci.test/ok.png",
            image_alt: "ok",
          },
          { type: "divider" },
          {
            type: "context",
            elements: [
              { type: "image", image_url: "https://ci.test/me.png", alt_text: "alice" },
              { type: "text", text_md: "by **alice**" },
            ],
          },
          { type: "image", image_url: "https://ci.test/graph.png", alt_text: "graph", title: "Latency" },
        ],
      },
    });
  });

  test("blocks without text: the body summarises them", () => {
    expect(
      post({
        blocks: [
          { type: "header", text: { type: "plain_text", text: "Alert" } },
          {
            type: "section",
            text: { type: "mrkdwn", text: "CPU *high*" },
            fields: [{ type: "mrkdwn", text: "host: db-1" }],
          },
          { type: "context", elements: [{ type: "plain_text", text: "via pager" }] },
        ],
      }).bodyMd,
    ).toBe("**Alert**\nCPU **high**\nhost: db-1\nvia pager");
  });

  test("attachments may carry blocks too", () => {
    const result = post({
      attachments: [
        { color: "warning", blocks: [{ type: "section", text: { type: "mrkdwn", text: "_slow_ build" } }] },
      ],
    });
    expect(result.bodyMd).toBe("_slow_ build");
    expect(result.embeds).toEqual({
      body_is_fallback: true,
      attachments: [{ color: "#daa038", blocks: [{ type: "section", text_md: "_slow_ build" }] }],
    });
  });

  test("`mrkdwn: false` shows the text literally", () => {
    expect(post({ text: "*not bold* <https://x.test|x>", mrkdwn: false }).bodyMd).toBe(
      "\\*not bold\\* \\<https://x.test|x\\>",
    );
  });

  test("the form-encoded payload=<json> variant", () => {
    const body = new URLSearchParams({ payload: JSON.stringify({ text: "from *form*", username: "cron" }) });
    expect(post(body.toString(), "application/x-www-form-urlencoded")).toEqual({
      ...plain,
      bodyMd: "from **form**",
      username: "cron",
    });
  });

  test("JSON sent with curl's default form content type is still read", () => {
    expect(post('{"text":"curl -d"}', "application/x-www-form-urlencoded").bodyMd).toBe("curl -d");
  });

  test("links and images that are not http(s) are dropped", () => {
    const result = post({
      text: "x",
      icon_url: "javascript:alert(1)",
      attachments: [
        { title: "t", title_link: "javascript:alert(1)", image_url: "data:image/png;base64,AAAA" },
      ],
    });
    expect(result.avatarUrl).toBeNull();
    expect(result.embeds).toEqual({ body_is_fallback: false, attachments: [{ title: "t" }] });
  });

  test("a body over 40,000 characters is cut, as Slack does", () => {
    const bodyMd = post({ text: "z".repeat(50_000) }).bodyMd;
    expect(bodyMd.length).toBe(40_000);
    expect(bodyMd.endsWith("…")).toBe(true);
  });

  test.each<[string, string, string | null]>([
    ["malformed JSON", "{text: nope", JSON_TYPE],
    ["a JSON array", "[1,2]", JSON_TYPE],
    ["text that is not a string", '{"text": 5}', JSON_TYPE],
    ["attachments that are not a list", '{"text":"x","attachments":{}}', JSON_TYPE],
    ["a form without payload", "text=hello", "application/x-www-form-urlencoded"],
    ["a form whose payload is not JSON", "payload=nope", "application/x-www-form-urlencoded"],
    ["an empty body", "", null],
    ["a key that is blank", '{"text":"x","key":"   "}', JSON_TYPE],
  ])("%s is invalid_payload", (_, raw, type) => expect(refused(raw, type)).toBe("invalid_payload"));

  test("nothing to show is no_text", () => {
    expect(refused('{"text":"   "}')).toBe("no_text");
    expect(refused('{"username":"x"}')).toBe("no_text");
    expect(refused('{"blocks":[{"type":"divider"}]}')).toBe("no_text");
  });

  test("a malformed known block is invalid_blocks", () => {
    expect(refused('{"text":"x","blocks":[{"type":"section"}]}')).toBe("invalid_blocks");
    expect(refused('{"text":"x","blocks":[{"type":"header","text":"not an object"}]}')).toBe(
      "invalid_blocks",
    );
    expect(refused('{"text":"x","blocks":[{"type":"image","image_url":"ftp://x/y.png"}]}')).toBe(
      "invalid_blocks",
    );
  });

  test("Slack colours", () => {
    expect(
      ["good", "warning", "danger", "#FFF", "00ff00", "#123456", "red", "#12345"].map(normalizeColor),
    ).toEqual(["#2eb886", "#daa038", "#a30200", "#ffffff", "#00ff00", "#123456", undefined, undefined]);
  });
});

describe("why a payload is refused, in words", () => {
  const reason = (raw: string, contentType: string | null = JSON_TYPE) => {
    const result = parseWebhookBody(contentType, raw);
    return result.ok ? "accepted" : result.reason;
  };

  test.each<[string, string, string | null, string]>([
    ["an empty body", "", null, "the body is empty"],
    ["a JSON array", "[1,2]", JSON_TYPE, "the body must be a JSON object"],
    ["text that is a number", '{"text": 5}', JSON_TYPE, "`text`: expected string, received number"],
    [
      "attachments that are an object",
      '{"text":"x","attachments":{}}',
      JSON_TYPE,
      "`attachments`: expected array, received object",
    ],
    [
      "a field's value deep inside",
      '{"text":"x","attachments":[{"fields":[{"title":3}]}]}',
      JSON_TYPE,
      "`attachments[0].fields[0].title`: expected string, received number",
    ],
    [
      "a form without payload",
      "text=hello",
      "application/x-www-form-urlencoded",
      "a form body needs a `payload` field holding JSON",
    ],
    [
      "nothing to show",
      '{"username":"x"}',
      JSON_TYPE,
      "`text` or `blocks` is required: nothing in the payload has text to show",
    ],
    [
      "a section without text",
      '{"text":"x","blocks":[{"type":"divider"},{"type":"section"}]}',
      JSON_TYPE,
      "a section block is malformed: `blocks[1]`: a section needs text or fields",
    ],
    [
      "an image block that is not http(s)",
      '{"text":"x","blocks":[{"type":"image","image_url":"ftp://x/y.png"}]}',
      JSON_TYPE,
      "`blocks[0].image_url` must be an http(s) URL",
    ],
    [
      "a malformed block inside an attachment",
      '{"attachments":[{"blocks":[{"type":"header","text":"plain"}]}]}',
      JSON_TYPE,
      "a header block is malformed: `attachments[0].blocks[0].text`: expected object, received string",
    ],
  ])("%s", (_, raw, type, why) => expect(reason(raw, type)).toBe(why));

  test("malformed JSON says where the parser stopped", () => {
    expect(reason("{text: nope")).toStartWith("body is not JSON: ");
    expect(reason("payload=nope", "application/x-www-form-urlencoded")).toStartWith("body is not JSON: ");
  });
});

describe("what a payload asks for that is not done, as warnings", () => {
  const warnings = (body: unknown) => {
    const result = parseWebhookBody(JSON_TYPE, JSON.stringify(body));
    if (!result.ok) throw new Error(result.reason);
    return result.warnings;
  };

  test("a payload we honour entirely has none", () => {
    expect(
      warnings({
        text: "hi",
        username: "ci",
        icon_emoji: ":ghost:",
        icon_url: "https://ci.test/i.png",
        mrkdwn: true,
        key: "k",
        thread_key: "t",
        blocks: [
          {
            type: "section",
            text: { type: "mrkdwn", text: "x" },
            accessory: { type: "image", image_url: "https://x.test/a.png", alt_text: "" },
          },
        ],
        attachments: [{ color: "good", text: "x", mrkdwn_in: ["text"] }],
      }),
    ).toEqual([]);
  });

  test("Slack fields we ignore, unknown fields, blocks we do not draw, an unknown emoji", () => {
    expect(
      warnings({
        text: "hi",
        channel: "#other",
        unfurl_links: true,
        thread_ts: "1700000000.000100",
        colour: "red",
        icon_emoji: ":no_such_emoji:",
        blocks: [
          {
            type: "section",
            text: { type: "mrkdwn", text: "x" },
            accessory: { type: "button", text: { type: "plain_text", text: "Go" } },
          },
          { type: "input", element: {} },
        ],
        attachments: [{ text: "x", callback_id: "c", actions: [] }],
      }),
    ).toEqual([
      "`channel` is ignored: a webhook posts only into its own channel",
      "`unfurl_links` is ignored: a link gets a preview unless the community turned them off (`false` turns it off)",
      "`thread_ts` is ignored: use `thread_key` to thread a webhook's posts",
      "unknown field `colour` is ignored",
      "`blocks[0].accessory` of type `button` is not shown",
      "`blocks[1]` of type `input` is not shown",
      "`attachments[0].callback_id` is ignored",
      "`attachments[0].actions` is ignored",
      "`icon_emoji` :no_such_emoji: is not an emoji we know: the webhook's avatar shows",
    ]);
  });
});
