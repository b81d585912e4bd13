import { expect, test } from "bun:test";
import { faceColour, initials } from "../../lib/terminal/face.ts";
import { messageLines } from "../../lib/terminal/tui/view.ts";
import { messageJson } from "../support/message-json.ts";

const message = messageJson;

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
