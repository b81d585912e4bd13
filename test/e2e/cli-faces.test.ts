import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import type { MessageJson } from "../../lib/client/views.ts";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";
import { waitFor } from "../support/ports.ts";
import { as, type CliOptions, freshConfigHome, jsonLines, runCli } from "../support/terminal.ts";

// Faces and files from the terminal, against a real server: a profile picture set from a file, a
// picture shown by its size and opened with the system opener.

describe("faces and files in the CLI", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let work: string;

  const ok = async (who: ChatPerson, args: string[], options: CliOptions = {}) => {
    const result = await runCli(args, { ...options, env: { ...as(chat, who), ...options.env } });
    if (result.code !== 0) throw new Error(`ajet-chat ${args.join(" ")} → ${result.code}: ${result.stderr}`);
    return result.stdout;
  };

  beforeAll(async () => {
    chat = await startChatServer();
    alice = chat.owner;
    bob = await chat.invite("bob");
    work = freshConfigHome();
    await sharp({ create: { width: 1280, height: 720, channels: 3, background: "#225588" } })
      .png()
      .toFile(join(work, "shot.png"));
  });
  afterAll(async () => {
    await chat.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("profile --avatar sets a square picture that others see beside the person", async () => {
    const [me] = jsonLines<{ avatar_url: string }>(
      await ok(alice, ["profile", "--avatar", join(work, "shot.png"), "--json"]),
    );
    expect(me?.avatar_url).toMatch(/^\/api\/avatars\//);
    const res = await fetch(chat.base + me?.avatar_url, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(res.status).toBe(200);
    const meta = await sharp(new Uint8Array(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([256, 256]);
    const bad = await runCli(["profile", "--avatar", join(work, "missing.png")], { env: as(chat, alice) });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("a picture comes with its size and a thumbnail, and open hands it to the system opener", async () => {
    await ok(alice, ["upload", "#general", join(work, "shot.png"), "--message", "the new look"]);
    const [message] = jsonLines<MessageJson>(await ok(bob, ["read", "#general", "--json"])).slice(-1);
    expect(message?.attachments[0]).toMatchObject({ filename: "shot.png", width: 1280, height: 720 });
    const id = message?.attachments[0]?.id ?? "";
    const thumb = await fetch(chat.base + message?.attachments[0]?.thumbnail_url, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(thumb.headers.get("content-type")).toBe("image/webp");
    const meta = await sharp(new Uint8Array(await thumb.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([480, 270]);

    const saved = join(work, "copy.png");
    await ok(bob, ["open", id, "-o", saved]);
    expect(readFileSync(saved).equals(readFileSync(join(work, "shot.png")))).toBe(true);

    // The system opener is a stand-in that notes what it was asked to open.
    const bin = freshConfigHome();
    const opened = join(bin, "opened");
    await Bun.write(join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s' "$1" > ${opened}\n`);
    chmodSync(join(bin, "xdg-open"), 0o755);
    const [answer] = jsonLines<{ path: string; opened: boolean }>(
      await ok(bob, ["open", id, "--json"], { env: { PATH: `${bin}:${process.env.PATH}` } }),
    );
    expect(answer?.opened).toBe(true);
    expect(await waitFor(() => readFileSync(opened, "utf8"))).toBe(answer?.path ?? "?");
    expect(readFileSync(answer?.path ?? "").length).toBe(readFileSync(join(work, "shot.png")).length);
    rmSync(bin, { recursive: true, force: true });
  });
});
