import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import type { Server } from "bun";
import { boxEnv, runAdmin } from "../support/admin.ts";
import type { ChatPerson, ChatServer } from "../support/chat-server.ts";
import { waitFor } from "../support/ports.ts";
import { startTeam } from "../support/team.ts";
import { as, jsonLines, runCli } from "../support/terminal.ts";

interface Callback {
  event_id: string;
  event: { type: string; data: { message?: { body_md: string } } };
}

// A bot's event subscription and an outgoing webhook, set up and inspected with the ajet-chat CLI
// (the bot with its token, the admin from the box) against a real `bun run start`, calling a
// receiver on this machine that the operator allowed.
describe("integrations from the CLI", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let receiver: Server<undefined>;
  let secret = "";
  const callbacks: { body: Callback; signed: boolean; answered: number }[] = [];
  const outgoing: URLSearchParams[] = [];

  const cli = async (env: Record<string, string>, args: string[]) => {
    const result = await runCli(args, { env });
    if (result.code !== 0) throw new Error(`ajet-chat ${args.join(" ")} → ${result.code}: ${result.stderr}`);
    return result.stdout;
  };
  const admin = async (...args: string[]) => {
    const result = await runAdmin(boxEnv(chat), ["admin", ...args]);
    if (result.code !== 0) throw new Error(`admin ${args.join(" ")} → ${result.code}: ${result.stderr}`);
    return result.stdout;
  };
  const about = (text: string) => callbacks.filter((c) => c.body.event.data.message?.body_md === text);

  beforeAll(async () => {
    receiver = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const raw = await req.text();
        if (new URL(req.url).pathname === "/out") {
          const form = new URLSearchParams(raw);
          outgoing.push(form);
          return Response.json({ text: `hello ${form.get("user_name")}` });
        }
        const body = JSON.parse(raw) as Callback;
        const ts = req.headers.get("x-slack-request-timestamp") ?? "";
        const signed =
          req.headers.get("x-slack-signature") ===
          `v0=${createHmac("sha256", secret).update(`v0:${ts}:${raw}`).digest("hex")}`;
        const answered =
          body.event.data.message?.body_md === "doomed" && about("doomed").length < 2 ? 500 : 200;
        callbacks.push({ body, signed, answered });
        return new Response(answered === 200 ? "ok" : "down", { status: answered });
      },
    });
    ({
      server: chat,
      alice,
      bob,
    } = await startTeam([], {
      AJET_OUTBOUND_ALLOW: "127.0.0.1/32",
      AJET_OUTBOX_POLL_MS: "100",
      AJET_OUTBOX_BACKOFF_MS: "50",
      AJET_OUTBOX_MAX_ATTEMPTS: "2",
    }));
  });
  afterAll(async () => {
    await chat?.stop();
    receiver?.stop(true);
  });

  test("a bot subscribes with ajet-chat subscriptions, gets signed callbacks, and reads its deliveries and dead letters", async () => {
    const [made] = jsonLines<{ effects: { token: string }[] }>(
      await cli(as(chat, alice), ["token", "create", "watcher", "messages:read", "--json"]),
    );
    const bot = { AJET_SERVER: chat.base, AJET_TOKEN: made?.effects[0]?.token ?? "" };
    const [created] = jsonLines<{ subscription: { id: string }; signing_secret: string }>(
      await cli(bot, [
        "subscriptions",
        "create",
        `http://127.0.0.1:${receiver.port}/events`,
        "message.created",
        "--json",
      ]),
    );
    secret = created?.signing_secret ?? "";
    const id = created?.subscription.id ?? "";
    expect(
      jsonLines<{ id: string }>(await cli(bot, ["subscriptions", "list", "--json"])).map((s) => s.id),
    ).toEqual([id]);

    await cli(as(chat, alice), ["send", "#general", "hello from the cli"]);
    await waitFor(() => expect(about("hello from the cli")).toHaveLength(1));
    expect(about("hello from the cli")[0]?.signed).toBe(true);
    await waitFor(async () => {
      const [last] = jsonLines<{ ok: boolean }>(
        await cli(bot, ["subscriptions", "deliveries", id, "--json"]),
      );
      expect(last?.ok).toBe(true);
    });

    // Two attempts, both refused: a dead letter, seen by the bot and by the admin on the box.
    await cli(as(chat, alice), ["send", "#general", "doomed"]);
    const [dead] = await waitFor(async () => {
      const rows = jsonLines<{ id: string; attempts: number; last_error: string }>(
        await cli(bot, ["subscriptions", "dead", id, "--json"]),
      );
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(dead).toMatchObject({ attempts: 2, last_error: "answered 500" });
    const listed = jsonLines<{ id: string }>(await admin("dead-letters", id, "--json"));
    expect(listed.map((d) => d.id)).toEqual([dead?.id ?? ""]);
    expect(
      jsonLines<{ bot: string }>(await admin("subscriptions", "list", "--community", "acme", "--json")),
    ).toEqual([expect.objectContaining({ id, bot: "@watcher-bot" })]);
    await admin("dead-letters", "retry", id);
    await waitFor(() => expect(about("doomed").map((c) => c.answered)).toEqual([500, 500, 200]));
  });

  test("an admin makes an outgoing webhook with ajet-chat outgoing; its reply is posted; the box lists and deletes it", async () => {
    const [made] = jsonLines<{ effects: { webhook_id: string; token: string }[] }>(
      await cli(as(chat, alice), [
        "outgoing",
        "create",
        "#general",
        `http://127.0.0.1:${receiver.port}/out`,
        "!hi",
        "--json",
      ]),
    );
    const hookId = made?.effects[0]?.webhook_id ?? "";
    await cli(as(chat, bob), ["send", "#general", "!hi there"]);
    await waitFor(() => expect(outgoing.map((f) => f.get("text"))).toEqual(["!hi there"]));
    expect(outgoing[0]?.get("token")).toBe(made?.effects[0]?.token ?? "");
    await waitFor(async () => {
      const messages = jsonLines<{ body_md: string; author: { display_name: string } }>(
        await cli(as(chat, alice), ["read", "#general", "--json"]),
      );
      expect(messages.find((m) => m.body_md === "hello bob")?.author.display_name).toBe("127.0.0.1");
    });
    // The web settings list it for the admin, never with its token.
    const settings = await (
      await fetch(`${chat.base}/settings?community=acme`, {
        headers: { cookie: `ajet_session=${alice.token}` },
      })
    ).text();
    expect(settings).toContain("Outgoing webhooks");
    expect(settings).toContain(hookId);
    expect(settings).not.toContain(made?.effects[0]?.token ?? "");
    const hooks = jsonLines<{ id: string }>(
      await admin("outgoing-webhooks", "list", "--community", "acme", "--json"),
    );
    expect(hooks.map((h) => h.id)).toEqual([hookId]);
    await admin("outgoing-webhooks", "delete", hookId, "--community", "acme");
    expect(jsonLines(await admin("outgoing-webhooks", "list", "--community", "acme", "--json"))).toEqual([]);
    const audit = jsonLines<{ action: string }>(await admin("audit", "--json"));
    expect(audit.map((a) => a.action)).toContain("outgoing_webhook.deleted");
  });
});
