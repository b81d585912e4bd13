import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { MessageJson } from "../../lib/client/views.ts";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { type Child, repoRoot, spawnChild, waitUntilReady } from "../support/process.ts";
import { as, jsonLines, plainLines, runCli } from "../support/terminal.ts";

// `tail` prints the latest messages; with --follow it stays on the live stream, across a restart.
describe("ajet-chat tail", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let restarted: Child | undefined;
  const ports = { AJET_API_PORT: "", AJET_WEB_PORT: "", AJET_TUI_PORT: "" };

  beforeAll(async () => {
    ports.AJET_API_PORT = String(freePort());
    ports.AJET_WEB_PORT = String(freePort());
    ports.AJET_TUI_PORT = String(freePort());
    chat = await startChatServer(ports);
    alice = chat.owner;
    bob = await chat.invite("bob");
  });
  afterAll(async () => {
    await restarted?.stop();
    await chat.stop();
  });

  const say = (who: ChatPerson, text: string, where = "#general") =>
    runCli(["send", where, text, "-q"], { env: as(chat, who) }).then((r) => r.stdout.trim());

  test("without --follow prints the last messages of each, oldest first, and exits", async () => {
    for (const n of [1, 2, 3]) await say(alice, `tail ${n}`);
    const plain = await runCli(["tail", "#general", "--limit", "2"], { env: as(chat, bob) });
    expect(plain.code).toBe(0);
    expect(plainLines(plain.stdout).map((l) => l[4])).toEqual(["tail 2", "tail 3"]);
    const json = await runCli(["tail", "#general", "-n", "1", "--json"], { env: as(chat, bob) });
    expect(jsonLines<MessageJson>(json.stdout).map((m) => m.body_md)).toEqual(["tail 3"]);
  });

  test("--follow shows what others post, live, and carries on after the server restarts", async () => {
    const proc = Bun.spawn(
      ["bun", "bin/ajet-chat.ts", "tail", "--follow", "--json", "#general", "@bob", "--limit", "1"],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? "", HOME: "/tmp", ...as(chat, alice) },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    let out = "";
    void (async () => {
      for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
    })();
    const bodies = () => jsonLines<MessageJson>(out).map((m) => m.body_md);
    const seen = (text: string) =>
      waitFor(
        () => {
          if (!bodies().includes(text)) throw new Error(`not yet: ${bodies().join(" | ")}`);
        },
        20_000,
        text,
      );
    try {
      await seen("tail 3");
      // The stream is open once the catch-up printed; give it a moment to say `ready`.
      await Bun.sleep(300);
      await say(bob, "live from bob");
      await seen("live from bob");
      await say(bob, "a word in private", "@alice");
      await seen("a word in private");

      await chat.child.stop("SIGTERM");
      restarted = spawnChild(["bun", "run", "start"], {
        AJET_DATA_DIR: chat.dataDir,
        AJET_PORT: new URL(chat.base).port,
        AJET_RATE_AUTH_BURST: "0",
        ...ports,
      });
      await waitUntilReady(restarted, `${chat.base}/readyz`);
      await say(bob, "after the restart");
      await seen("after the restart");
      await say(bob, "and live again");
      await seen("and live again");
      const ids = jsonLines<MessageJson>(out).map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(bodies()).toEqual([
        "tail 3",
        "live from bob",
        "a word in private",
        "after the restart",
        "and live again",
      ]);
    } finally {
      proc.kill();
      await proc.exited;
    }
  });
});
