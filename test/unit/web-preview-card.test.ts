import { expect, test } from "bun:test";
import type { Message } from "../../services/web-sm/api-types.ts";
import { messageItem } from "../../services/web-sm/views/message.ts";
import { elementsOf } from "../support/html.ts";
import { messageJson } from "../support/message-json.ts";

const message = (preview: Message["preview"]): Message => messageJson({ preview });

test("a preview card links out safely and reserves its picture's space", () => {
  const els = elementsOf(
    messageItem(
      message({
        url: "https://news.example/a",
        title: 'Launch <b>"day"</b>',
        description: "We shipped.",
        site_name: "News",
        image_url: "/api/images/0190a000-0000-7000-8000-0000000000ff",
        image_width: 400,
        image_height: 210,
      }),
    ).toString(),
  );
  const title = els.find((e) => e.attrs.class === "title");
  expect(title?.attrs).toMatchObject({ href: "https://news.example/a", rel: "noopener noreferrer nofollow" });
  const img = els.find((e) => e.tag === "img");
  expect(img?.attrs).toMatchObject({ width: "400", height: "210" });
  expect(img?.attrs.src).toStartWith("/api/images/");
  // The title is text, never markup.
  expect(els.some((e) => e.tag === "b")).toBe(false);
});

test("a card never hot-links a remote picture nor links to a non-http URL", () => {
  const els = elementsOf(
    messageItem(
      message({
        url: "javascript:alert(1)",
        title: "t",
        description: null,
        site_name: null,
        image_url: "https://tracker.example/pixel.png",
      }),
    ).toString(),
  );
  expect(els.some((e) => e.tag === "img")).toBe(false);
  expect(els.find((e) => e.attrs.class === "title")?.attrs.href).toBe("#");
});

test("a message without a preview draws no card", () => {
  expect(
    elementsOf(messageItem(message(null)).toString()).some((e) => e.attrs.class === "preview-card"),
  ).toBe(false);
});

test("a picture is drawn as its thumbnail in a reserved box that opens the lightbox; other files as cards", () => {
  const m = message(null);
  m.attachments = [
    {
      id: "p",
      filename: "shot.png",
      content_type: "image/png",
      size_bytes: 2048,
      url: "/api/attachments/p",
      width: 1280,
      height: 720,
      thumbnail_url: "/api/attachments/p/thumbnail",
    },
    {
      id: "d",
      filename: "notes.pdf",
      content_type: "application/pdf",
      size_bytes: 3 * 1024 * 1024,
      url: "/api/attachments/d",
    },
  ];
  const els = elementsOf(messageItem(m).toString());
  const img = els.find((e) => e.tag === "img");
  expect(img?.attrs).toMatchObject({ src: "/api/attachments/p/thumbnail", width: "480", height: "270" });
  const opener = els.find((e) => e.attrs.command === "show-modal");
  const lightbox = els.find((e) => e.tag === "dialog" && e.attrs.id === opener?.attrs.commandfor);
  expect(lightbox?.attrs.class).toBe("lightbox");
  expect(els.filter((e) => e.tag === "img").map((e) => e.attrs.src)).toContain("/api/attachments/p");
  const card = els.find((e) => e.attrs.class === "file card");
  expect(card?.attrs).toMatchObject({ href: "/api/attachments/d", download: "notes.pdf" });
  expect(messageItem(m).toString()).toContain("3.0 MB · PDF");
});
