import { afterAll, beforeAll, expect, test } from "bun:test";
import { IncomingWebhook } from "@slack/webhook";
import { type ChatServer, startChatServer } from "../support/chat-server.ts";

// A CI job that posts to a Slack incoming webhook, pointed at `bun run start` by changing only the
// URL: the slash command makes the URL, Slack's own client posts through the public gateway.
let chat: ChatServer;

beforeAll(async () => {
  chat = await startChatServer();
});

afterAll(async () => {
  await chat?.stop();
});

test("Slack's client posts through the gateway to a webhook made with /webhook create", async () => {
  const alice = chat.owner;
  const channels = await chat.api<{ items: { id: string }[] }>(
    alice,
    "GET",
    "/api/communities/acme/channels",
  );
  const general = channels.items[0]?.id as string;
  const made = await chat.api<{ effects: { url: string }[] }>(alice, "POST", "/api/commands", {
    channel_id: general,
    text: "/webhook create #general CI",
  });
  const url = made.effects[0]?.url as string;
  expect(url).toStartWith(`${chat.base}/hook/`);

  const result = await new IncomingWebhook(url).send({
    text: "Build *passed*",
    attachments: [{ color: "good", title: "main", fields: [{ title: "Took", value: "2m", short: true }] }],
  });
  expect(result).toEqual({ text: "ok" });
  const history = await chat.api<{
    items: { body_md: string; author: { display_name: string; is_bot: boolean }; embeds: unknown }[];
  }>(alice, "GET", `/api/channels/${general}/messages?limit=1`);
  expect(history.items[0]).toMatchObject({
    body_md: "Build **passed**",
    author: { display_name: "CI", is_bot: true },
    embeds: {
      body_is_fallback: false,
      attachments: [
        { color: "#2eb886", title: "main", fields: [{ title: "Took", value_md: "2m", short: true }] },
      ],
    },
  });
});
