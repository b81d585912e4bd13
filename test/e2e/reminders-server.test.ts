import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import type { ScheduledJson } from "../../lib/client/views.ts";
import { type ChatPerson, type ChatServer, jsonOver, startChatServer } from "../support/chat-server.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { type Child, spawnChild, waitUntilReady } from "../support/process.ts";
import { as, jsonLines, plainLines, runCli } from "../support/terminal.ts";

interface Message {
  id: string;
  body_md: string;
  created_at: string;
  author: { id: string } | null;
}

// `bun run start` for real: the CLI schedules through the gateway, and the embedded server is
// stopped and started again on the same data dir with a job still waiting.
describe("reminders and scheduled messages on a running server", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let general: string;
  let restarted: Child | undefined;

  beforeAll(async () => {
    chat = await startChatServer({ AJET_SCHEDULER_POLL_MS: "200" });
    alice = chat.owner;
    const { items } = await chat.api<{ items: { id: string; name: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/channels",
    );
    general = items.find((c) => c.name === "general")?.id ?? "";
  });
  afterAll(async () => {
    await restarted?.stop("SIGTERM");
    if (restarted) rmSync(dirname(chat.dataDir), { recursive: true, force: true });
    else await chat.stop();
  });

  const cli = (args: string[]) => runCli(args, { env: as(chat, alice) });
  const history = async (base: string) =>
    (await jsonOver(base)<{ items: Message[] }>(alice, "GET", `/api/channels/${general}/messages?limit=200`))
      .items;
  const postedOnce = (base: string, body: string) =>
    waitFor(
      async () => {
        const found = (await history(base)).filter((m) => m.body_md === body);
        if (found.length === 0) throw new Error(`"${body}" not posted yet`);
        return found;
      },
      30_000,
      `"${body}" to be posted`,
    );

  test("ajet-chat send --at schedules a message; scheduled lists it until it is posted, once", async () => {
    const sent = await cli(["send", "--at", "in 2 seconds", "#general", "from the CLI, later", "--json"]);
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    const [job] = jsonLines<ScheduledJson>(sent.stdout);
    expect(job).toMatchObject({ kind: "message", state: "pending", body_md: "from the CLI, later" });
    const listed = await cli(["scheduled"]);
    expect(plainLines(listed.stdout).find((l) => l[0] === job?.id)).toEqual([
      job?.id as string,
      job?.send_at as string,
      "message",
      "pending",
      "#general",
      "",
      "",
      "from the CLI, later",
    ]);

    const posted = await postedOnce(chat.base, "from the CLI, later");
    expect(posted).toHaveLength(1);
    expect(posted[0]?.author?.id).toBe(alice.id);
    await waitFor(async () => {
      const after = jsonLines<ScheduledJson>((await cli(["scheduled", "--json"])).stdout);
      if (after.some((j) => j.id === job?.id)) throw new Error("still listed");
    });
    expect((await history(chat.base)).filter((m) => m.body_md === "from the CLI, later")).toHaveLength(1);
  });

  test("ajet-chat scheduled cancel stops one; a time it cannot read is a one-line usage error", async () => {
    const sent = await cli(["send", "--at", "tomorrow at 9am", "#general", "never mind", "--json"]);
    const [job] = jsonLines<ScheduledJson>(sent.stdout);
    const cancelled = await cli(["scheduled", "cancel", job?.id as string]);
    expect(cancelled.code).toBe(0);
    expect(plainLines(cancelled.stdout)).toEqual([[job?.id as string, "cancelled"]]);
    expect((await cli(["scheduled", "--json"])).stdout).not.toContain(job?.id as string);
    const again = await cli(["scheduled", "cancel", job?.id as string]);
    expect(again.code).toBe(3);

    const bad = await cli(["send", "--at", "whenever", "#general", "x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain('--at "whenever" is not a time');
    const repeating = await cli(["send", "--at", "every day at 9am", "#general", "x"]);
    expect(repeating).toMatchObject({ code: 1 });
    expect(repeating.stderr).toContain("/remind repeats");
  });

  test("a reminder and a message waiting when the server stops are each sent once after it starts again", async () => {
    const api = jsonOver(chat.base);
    const sendAt = new Date(Date.now() + 5000).toISOString();
    const scheduled = await api<ScheduledJson>(alice, "POST", `/api/channels/${general}/messages`, {
      body_md: "survives a restart",
      send_at: sendAt,
    });
    await api(alice, "POST", "/api/commands", {
      channel_id: general,
      text: "/remind #general stand up and stretch in 5 seconds",
    });
    const waiting = await api<{ items: ScheduledJson[] }>(alice, "GET", "/api/scheduled");
    expect(waiting.items.map((j) => [j.kind, j.state])).toEqual([
      ["message", "pending"],
      ["reminder", "pending"],
    ]);
    expect(waiting.items[0]?.id).toBe(scheduled.id);
    await chat.child.stop("SIGTERM");
    const stoppedAt = Date.now();

    const port = Number(new URL(chat.base).port);
    restarted = spawnChild(["bun", "run", "start"], {
      AJET_DATA_DIR: chat.dataDir,
      AJET_PORT: String(port),
      AJET_API_PORT: String(freePort()),
      AJET_WEB_PORT: String(freePort()),
      AJET_TUI_PORT: String(freePort()),
      AJET_SCHEDULER_POLL_MS: "200",
    });
    await waitUntilReady(restarted, `${chat.base}/readyz`);

    const message = await postedOnce(chat.base, "survives a restart");
    const reminder = await postedOnce(chat.base, "Reminder: stand up and stretch");
    for (const posted of [message, reminder]) {
      expect(posted).toHaveLength(1);
      // Posted by the server started again, not by the one stopped before it was due.
      expect(new Date(posted[0]?.created_at as string).getTime()).toBeGreaterThanOrEqual(stoppedAt);
    }
    await waitFor(async () => {
      const { items } = await api<{ items: ScheduledJson[] }>(alice, "GET", "/api/scheduled");
      if (items.length) throw new Error(`${items.length} still waiting`);
    });
    // Nothing more arrives once both are done.
    const all = await history(chat.base);
    expect(all.filter((m) => m.body_md === "survives a restart")).toHaveLength(1);
    expect(all.filter((m) => m.body_md === "Reminder: stand up and stretch")).toHaveLength(1);
  });
});
