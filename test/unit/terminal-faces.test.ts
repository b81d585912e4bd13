import { expect, test } from "bun:test";
import type { MessageJson } from "../../lib/client/views.ts";
import { faceColour, initials } from "../../lib/terminal/face.ts";
import { messageLines } from "../../lib/terminal/tui/view.ts";

const message = (over: Partial<MessageJson> = {}): MessageJson => ({
  id: "0190a000-0000-7000-8000-000000000001",
  channel_id: "c",
  community_id: "k",
  parent_id: null,
  author: { id: "u-alice", username: "alice", display_name: "Alice Smith", avatar_url: null, is_bot: false },
  body_md: "hello",
  deleted: false,
  embeds: null,
  client_msg_id: null,
  created_at: "2026-01-01T00:00:00.000Z",
  edited_at: null,
  reply_count: 0,
  reactions: [],
  mentions: [],
  attachments: [],
  ...over,
});

test("initials are up to two letters of the name", () => {
  expect([initials("Alice Smith"), initials("bob"), initials("  "), initials("émile zola")]).toEqual([
    "AS",
    "B",
    "?",
    "ÉZ",
  ]);
});

test("the TUI draws a message's author as initials on their own colour", () => {
  const [header] = messageLines(message(), 80, false);
  const face = header?.find((s) => s.text === " AS ");
  expect(face).toMatchObject({ inverse: true, color: faceColour("u-alice") });
});

test("an image attachment shows as [image W×H name] and a preview as its site and title", () => {
  const lines = messageLines(
    message({
      attachments: [
        {
          id: "f",
          filename: "shot.png",
          content_type: "image/png",
          size_bytes: 10,
          url: "/api/attachments/f",
          width: 1280,
          height: 720,
        },
      ],
      preview: {
        url: "https://n.example",
        title: "Launch",
        description: null,
        site_name: "News",
        image_url: null,
      },
    }),
    80,
    false,
  ).map((l) => l.map((s) => s.text).join(""));
  expect(lines).toContain("  [image 1280×720 shot.png]");
  expect(lines).toContain("  ▌ News — Launch");
});
