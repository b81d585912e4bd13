import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "../support/ports.ts";
import { type Child, repoRoot, spawnChild, waitUntilReady } from "../support/process.ts";
import { plainLines, runCli } from "../support/terminal.ts";

// The single-file binary: built, copied alone into an empty folder, and used as a new user would.
describe("the compiled ajet-chat binary", () => {
  let dir: string;
  let server: Child;
  let base: string;
  let token: string;
  const program = () => [join(dir, "ajet-chat")];

  beforeAll(async () => {
    const build = Bun.spawnSync(["bun", "run", "build"], { cwd: repoRoot, stderr: "pipe", stdout: "pipe" });
    if (build.exitCode !== 0) throw new Error(`bun run build failed: ${build.stderr.toString()}`);
    dir = mkdtempSync(join(tmpdir(), "ajet-binary-"));
    copyFileSync(join(repoRoot, "dist/ajet-chat"), join(dir, "ajet-chat"));
    const port = freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawnChild(
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
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("was alone in its folder, and serve made only ./data beside it", () => {
    expect(readdirSync(dir).sort()).toEqual(["ajet-chat", "data"]);
  });

  test("serve comes up with a setup link, and send and read work against it", async () => {
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
    ({ token } = (await setup.json()) as { token: string });
    const made = await fetch(`${base}/api/communities`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Acme", slug: "acme" }),
    });
    expect(made.status).toBe(201);

    const env = { AJET_SERVER: base, AJET_TOKEN: token };
    const sent = await runCli(["send", "#general", "hello from one file"], {
      program: program(),
      env,
      cwd: dir,
    });
    expect(sent.code).toBe(0);
    const id = sent.stdout.trim();
    const read = await runCli(["read", "#general"], { program: program(), env, cwd: dir });
    expect(read.code).toBe(0);
    expect(plainLines(read.stdout)).toEqual([
      [id, expect.any(String), "#general", "@alice", "hello from one file"],
    ]);
  });

  test("the web page's own script, bundled at build, comes from the binary with htmx", async () => {
    for (const file of ["app.js", "htmx.js", "hx-sse.js"]) {
      const res = await fetch(`${base}/static/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("javascript");
      expect((await res.text()).length).toBeGreaterThan(1000);
    }
    // The composer's drafts live in the script, not in a page: it is the bundle, not a stand-in.
    expect(await (await fetch(`${base}/static/app.js`)).text()).toContain("draft:");
  });

  test("admin and backup act on the running server from a shell beside it", async () => {
    const users = await runCli(["admin", "users", "list"], { program: program(), cwd: dir });
    expect(users.stderr).toBe("");
    expect(plainLines(users.stdout).map((l) => l[0])).toEqual(["@alice"]);
    const archive = join(mkdtempSync(join(tmpdir(), "ajet-binary-backup-")), "chat.tar.gz");
    try {
      const backup = await runCli(["backup", archive], { program: program(), cwd: dir });
      expect(backup.stderr).toBe("");
      expect(backup.stdout.trim()).toBe(`backup written to ${archive}`);
      expect(Bun.file(archive).size).toBeGreaterThan(1000);
    } finally {
      rmSync(join(archive, ".."), { recursive: true, force: true });
    }
  });

  test("--help answers without a server", async () => {
    const help = await runCli(["--help"], { program: program(), cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit codes");
  });
});
