import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseCommand } from "../../lib/commands/parse.ts";
import { hasControls } from "../../lib/control-chars.ts";
import { renderInlineMarkdownHtml, renderMarkdownHtml } from "../../lib/markdown/html.ts";
import { loadHighlighter, markdownToAnsi } from "../../lib/markdown/terminal.ts";
import { MAX_BODY_CHARS } from "../../lib/messages/post.ts";
import { parseWebhookBody } from "../../lib/webhooks/payload.ts";
import { fuzz, hostileText } from "../support/fuzz.ts";
import { elementsOf } from "../support/html.ts";

// Property-based fuzzing of everything that turns a member's text into output: never a throw,
// never unsafe output. A failure prints its seed; FUZZ_SEED replays it, FUZZ_RUNS runs longer.

const SAFE_URL = /^(https?:|mailto:)/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the renderer's own styling
const OWN_SGR = /\u001b\[[0-9;]*m/g;
const DANGEROUS_TAGS = new Set([
  "script",
  "iframe",
  "object",
  "embed",
  "style",
  "img",
  "svg",
  "form",
  "link",
  "meta",
  "base",
]);

/** What a browser would parse out of the HTML must run nothing and link only to the web or mail. */
function expectSafeHtml(html: string) {
  for (const element of elementsOf(html)) {
    expect(DANGEROUS_TAGS.has(element.tag)).toBe(false);
    for (const [name, value] of Object.entries(element.attrs)) {
      expect(name.startsWith("on")).toBe(false);
      expect(name).not.toBe("style");
      if (name === "href" || name === "src") expect(value).toMatch(SAFE_URL);
    }
  }
}

describe("fuzzing", () => {
  test("the markdown → HTML renderer never makes a script, an event handler or a non-web link", async () => {
    await fuzz(
      "markdown html",
      hostileText(),
      (md) => {
        expectSafeHtml(renderMarkdownHtml(md));
        expectSafeHtml(renderInlineMarkdownHtml(md));
      },
      300,
    );
  });

  test("the terminal renderer writes no control character but its own styling", async () => {
    loadHighlighter();
    await fuzz(
      "markdown terminal",
      hostileText(),
      (md) => {
        const out = markdownToAnsi(md).join("\n");
        expect(CONTROL.test(out.replace(OWN_SGR, ""))).toBe(false);
      },
      300,
    );
  });

  test("the slash-command parser answers every text, and what it accepts names no control character", async () => {
    const command = fc.oneof(
      hostileText().map((t) => `/${t}`),
      fc
        .tuple(
          fc.constantFrom(
            "topic",
            "me",
            "msg @bob",
            "ban @bob",
            "join",
            "invite",
            "mute @bob",
            "token create",
            "webhook create #general",
            "purge #general",
            "role @bob",
            "help",
            "kick",
          ),
          hostileText(),
        )
        .map(([name, rest]) => `/${name} ${rest}`),
    );
    await fuzz(
      "slash commands",
      command,
      (text) => {
        const parsed = parseCommand(text);
        if (!parsed.ok) {
          expect(["invalid_command", "unknown_command"]).toContain(parsed.error.code);
          return;
        }
        if (parsed.command.name === "topic")
          expect(hasControls((parsed.args as { topic: string }).topic)).toBe(false);
      },
      500,
    );
  });

  test("a Slack webhook payload is read or refused, never thrown, and what it keeps is safe", async () => {
    const text = hostileText();
    const url = fc.oneof(
      fc.webUrl(),
      fc.constantFrom("javascript:alert(1)", "data:text/html,x", "//evil", "ftp://x"),
      text,
    );
    const slackish = fc.record(
      {
        text,
        username: text,
        icon_url: url,
        icon_emoji: text,
        mrkdwn: fc.boolean(),
        key: text,
        thread_key: text,
        blocks: fc.array(
          fc.record(
            {
              type: fc.constantFrom("header", "section", "divider", "context", "image", "actions", "x"),
              text: fc.record({ type: fc.constantFrom("plain_text", "mrkdwn", "x"), text }),
              fields: fc.array(fc.record({ type: fc.constantFrom("plain_text", "mrkdwn"), text }), {
                maxLength: 3,
              }),
              elements: fc.array(
                fc.oneof(
                  fc.record({ type: fc.constant("image"), image_url: url, alt_text: text }),
                  fc.record({ type: fc.constant("mrkdwn"), text }),
                ),
                { maxLength: 3 },
              ),
              image_url: url,
              alt_text: text,
            },
            { requiredKeys: ["type"] },
          ),
          { maxLength: 4 },
        ),
        attachments: fc.array(
          fc.record(
            {
              fallback: text,
              color: text,
              pretext: text,
              title: text,
              title_link: url,
              text,
              author_link: url,
              image_url: url,
              footer: text,
              ts: fc.oneof(fc.integer(), text),
              fields: fc.array(
                fc.record({ title: text, value: fc.oneof(text, fc.integer()), short: fc.boolean() }),
                { maxLength: 3 },
              ),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      slackish.map((p) => ["application/json", JSON.stringify(p)] as const),
      slackish.map(
        (p) =>
          ["application/x-www-form-urlencoded", `payload=${encodeURIComponent(JSON.stringify(p))}`] as const,
      ),
      fc.tuple(
        fc.constantFrom("application/json", "text/plain", null),
        fc.oneof(fc.json(), fc.string({ unit: "binary" })),
      ),
    );
    await fuzz(
      "webhook payloads",
      body,
      ([contentType, raw]) => {
        const result = parseWebhookBody(contentType, raw);
        if (!result.ok) return;
        const { post } = result;
        expect(post.bodyMd.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
        expect(post.bodyMd.includes("\u0000")).toBe(false);
        if (post.username !== null) expect(CONTROL.test(post.username)).toBe(false);
        if (post.avatarUrl !== null) expect(post.avatarUrl).toMatch(/^https?:/i);
        const urls =
          JSON.stringify(post.embeds ?? {}).match(/"(?:[a-z_]*_url|[a-z_]*_link|[a-z_]*_icon)":"[^"]*"/g) ??
          [];
        for (const u of urls) expect(u.split('":"')[1]).toMatch(/^https?:/i);
        expectSafeHtml(renderMarkdownHtml(post.bodyMd));
      },
      300,
    );
  });
});
