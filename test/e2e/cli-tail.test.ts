import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { MessageJson } from "../../lib/client/views.ts";
import type { ChatPerson, ChatServer } from "../support/chat-server.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { type Child, spawnChild, waitUntilReady } from "../support/process.ts";
import { startTeam } from "../support/team.ts";
import { as, jsonLines, plainLines, runCli, startCli } from "../support/terminal.ts";

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
    ({ server: chat, alice, bob } = await startTeam([], ports));
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

  test("--follow prints edits and deletions too: --json as the events, with their type; plain as edited/deleted lines", async () => {
    const channel = async (name: string) => {
      const { id } = await chat.api<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
        name,
      });
      await chat.api(bob, "POST", `/api/channels/${id}/join`);
    };
    await channel("deploys");
    await channel("chatter");
    const json = startCli(["tail", "--follow", "--json", "#deploys"], as(chat, alice));
    const plain = startCli(["tail", "--follow", "#deploys"], as(chat, alice));
    try {
      // Both are live once a message posted now comes through: a probe each try, until one arrives.
      let probes = 0;
      await waitFor(async () => {
        const probe = `anyone there? ${++probes}`;
        await say(bob, probe, "#deploys");
        await waitFor(() => {
          for (const tail of [json, plain])
            if (!tail.stdout().includes(probe)) throw new Error("not live yet");
        }, 1000);
      }, 20_000);
      const elsewhere = await say(bob, "in another channel", "#chatter");
      await runCli(["edit", elsewhere, "in another channel, edited"], { env: as(chat, bob) });
      const id = await say(bob, "deploy 1.2 is out", "#deploys");
      const edit = await runCli(["edit", id, "deploy 1.3 is out"], { env: as(chat, bob) });
      expect(edit.code).toBe(0);
      const remove = await runCli(["delete", id], { env: as(chat, bob) });
      expect(remove.code).toBe(0);

      const events = await waitFor(() => {
        const lines = jsonLines<{ type?: string; body_md?: string; data?: Record<string, unknown> }>(
          json.stdout(),
        );
        if (!lines.some((l) => l.type === "message.deleted")) throw new Error("no deletion yet");
        return lines.filter((l) => !l.body_md?.startsWith("anyone there?"));
      });
      expect(events).toEqual([
        expect.objectContaining({ id, body_md: "deploy 1.2 is out" }),
        expect.objectContaining({
          type: "message.updated",
          data: { message: expect.objectContaining({ id, body_md: "deploy 1.3 is out" }) },
        }),
        expect.objectContaining({
          type: "message.deleted",
          data: expect.objectContaining({ message_id: id }),
        }),
      ]);
      expect(events[0]).not.toHaveProperty("type");

      const lines = await waitFor(() => {
        const all = plainLines(plain.stdout()).filter((l) => !l[4]?.startsWith("anyone there?"));
        if (!all.some((l) => l[0] === "deleted")) throw new Error("no deletion yet");
        return all;
      });
      expect(lines).toEqual([
        [id, expect.any(String), "#deploys", "@bob", "deploy 1.2 is out"],
        ["edited", id, expect.any(String), "#deploys", "@bob", "deploy 1.3 is out"],
        ["deleted", id, expect.any(String), "#deploys"],
      ]);
      expect(json.stdout() + plain.stdout()).not.toContain("another channel");
    } finally {
      await json.stop();
      await plain.stop();
    }
  });

  test("--follow shows what others post, live, and carries on after the server restarts", async () => {
    const tail = startCli(
      ["tail", "--follow", "--json", "#general", "@bob", "--limit", "1"],
      as(chat, alice),
    );
    const bodies = () => jsonLines<MessageJson>(tail.stdout()).map((m) => m.body_md);
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
      // The stream is live before the catch-up is read, so a message posted the moment it printed
      // is not lost in between.
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
      const ids = jsonLines<MessageJson>(tail.stdout()).map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(bodies()).toEqual([
        "tail 3",
        "live from bob",
        "a word in private",
        "after the restart",
        "and live again",
      ]);
    } finally {
      await tail.stop();
    }
  });
});
