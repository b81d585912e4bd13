import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { freePort, waitFor } from "../support/ports.ts";
import { type Child, repoRoot, spawnChild, waitUntilReady } from "../support/process.ts";

// The single-file binary cannot carry sharp's libvips: `bun run build` writes dist/sharp/ beside it.
// Two copies of the binary, one alone and one with that folder, each serving from its own folder.
interface Served {
  dir: string;
  server: Child;
  base: string;
  token: string;
}

async function serveBinary(withSharp: boolean): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), "ajet-binary-pictures-"));
  copyFileSync(join(repoRoot, "dist/ajet-chat"), join(dir, "ajet-chat"));
  if (withSharp) cpSync(join(repoRoot, "dist/sharp"), join(dir, "sharp"), { recursive: true });
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawnChild(
    ["./ajet-chat", "serve"],
    {
      AJET_PORT: String(port),
      AJET_API_PORT: String(freePort()),
      AJET_WEB_PORT: String(freePort()),
      AJET_TUI_PORT: String(freePort()),
    },
    dir,
  );
  await waitUntilReady(server, `${base}/readyz`, 60_000);
  const link = await waitFor(() => {
    const line = server
      .stdout()
      .split("\n")
      .find((l) => l.startsWith("setup link: "));
    if (!line) throw new Error("no setup link yet");
    return line.slice("setup link: ".length);
  });
  const setup = await fetch(link, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "alice", display_name: "Alice" }),
  });
  const { token } = (await setup.json()) as { token: string };
  return { dir, server, base, token };
}

const uploadAvatar = async (s: Served) => {
  const picture = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#2a6" } })
    .png()
    .toBuffer();
  const form = new FormData();
  form.append("file", new Blob([picture], { type: "image/png" }), "me.png");
  return fetch(`${s.base}/api/me/avatar`, {
    method: "PUT",
    headers: { authorization: `Bearer ${s.token}` },
    body: form,
  });
};

describe("pictures in the compiled binary", () => {
  let alone: Served;
  let equipped: Served;

  beforeAll(async () => {
    const build = Bun.spawnSync(["bun", "run", "build"], { cwd: repoRoot, stderr: "pipe", stdout: "pipe" });
    if (build.exitCode !== 0) throw new Error(`bun run build failed: ${build.stderr.toString()}`);
    [alone, equipped] = await Promise.all([serveBinary(false), serveBinary(true)]);
  }, 180_000);
  afterAll(async () => {
    for (const s of [alone, equipped]) {
      await s?.server.stop();
      if (s) rmSync(s.dir, { recursive: true, force: true });
    }
  });

  test("with the sharp folder beside it, an avatar upload is resized to a WebP square and served", async () => {
    const res = await uploadAvatar(equipped);
    expect(res.status).toBe(200);
    const me = (await res.json()) as { avatar_url: string };
    expect(me.avatar_url).toMatch(/^\/api\/avatars\//);
    const image = await fetch(`${equipped.base}${me.avatar_url}`, {
      headers: { authorization: `Bearer ${equipped.token}` },
    });
    expect(image.headers.get("content-type")).toBe("image/webp");
    const meta = await sharp(new Uint8Array(await image.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([256, 256]);
  });

  test("alone, it refuses the picture with a 503 that says what to install, and logs why once", async () => {
    const res = await uploadAvatar(alone);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("images_unavailable");
    expect(body.error.message).toContain(
      "sharp/ folder that `bun run build` writes next to the ajet-chat binary",
    );
    expect((await uploadAvatar(alone)).status).toBe(503);
    const warned = alone.server
      .stderr()
      .split("\n")
      .filter((l) => l.includes("sharp cannot load"));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain(join(alone.dir, "sharp", "index.js"));
  });
});
