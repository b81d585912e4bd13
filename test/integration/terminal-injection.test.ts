import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { loadClientConfig } from "../../lib/config.ts";
import { channels, users } from "../../lib/db/schema.ts";
import { listen } from "../../lib/http/listen.ts";
import { parseArgs } from "../../lib/terminal/cli/args.ts";
import type { Command } from "../../lib/terminal/cli/command.ts";
import { whoami } from "../../lib/terminal/cli/commands/account.ts";
import { channels as channelsCommand, members } from "../../lib/terminal/cli/commands/browse.ts";
import { read } from "../../lib/terminal/cli/commands/messages.ts";
import { Context } from "../../lib/terminal/cli/context.ts";
import { type Person, startTestApi, type TestApi } from "../support/api.ts";
import { gatewayOver } from "../support/gateway.ts";
import { freshConfigHome } from "../support/terminal.ts";

// A clipboard write (OSC 52), a screen clear, a fake link (OSC 8), a bell, the 8-bit CSI.
const HOSTILE = "x\u001b]52;c;aGk=\u0007\u001b[2J\u001b]8;;https://evil.example\u001b\\y\u009b8m";
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the CLI's own styling
const OWN_SGR = /\u001b\[[0-9;]*m/g;

describe("control characters people type", () => {
  let t: TestApi;
  let alice: Person;
  let general: string;
  let server: ReturnType<typeof listen>;

  beforeAll(async () => {
    t = await startTestApi("pglite");
    alice = await t.person("alice");
    await t.json(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" });
    const page = await t.json<{ items: { id: string; name: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/channels",
    );
    general = (page.items.find((c) => c.name === "general") as { id: string }).id;
    server = listen(gatewayOver(t), { host: "127.0.0.1", port: 0, maxRequestBodySize: 1024 * 1024 });
  });
  afterAll(async () => {
    await server.stop(1000);
    await t.close();
  });

  const refusals: [string, string, string, Record<string, unknown>, string][] = [
    ["a display name", "PATCH", "/api/me", { display_name: "Al\u001b[2Jice" }, "display_name"],
    ["a display name on two lines", "PATCH", "/api/me", { display_name: "Al\nice" }, "display_name"],
    ["a community name", "POST", "/api/communities", { name: "Ev\u0007il", slug: "evil" }, "name"],
    ["a channel name", "POST", "/api/communities/acme/channels", { name: "a\u001bb" }, "name"],
    [
      "a new channel's topic",
      "POST",
      "/api/communities/acme/channels",
      { name: "ok", topic: "t\u009bopic" },
      "topic",
    ],
    ["a nickname", "PATCH", "/api/communities/acme/members/me", { nickname: "n\u0000ick" }, "nickname"],
  ];
  test.each(refusals)(
    "%s with control characters is a 400 naming the field",
    async (_what, method, path, body, field) => {
      const resolved = path.replace("/members/me", `/members/${alice.id}`);
      const res = await t.call(alice, method, resolved, body);
      expect(res.status).toBe(400);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe("invalid_request");
      expect(error.message.startsWith(`${field}: `)).toBe(true);
    },
  );

  test("a topic with control characters is refused by the API and by /topic, and the old one stays", async () => {
    await t.json(alice, "PATCH", `/api/channels/${general}`, { topic: "Release day" });
    const patched = await t.call(alice, "PATCH", `/api/channels/${general}`, { topic: "a\u001b[2Jb" });
    expect(patched.status).toBe(400);
    for (const text of ["/topic a\tb", "/topic a\u001b[2Jb"]) {
      const res = await t.call(alice, "POST", "/api/commands", { channel_id: general, text });
      expect(res.status).toBe(400);
    }
    const channel = await t.json<{ topic: string }>(alice, "GET", `/api/channels/${general}`);
    expect(channel.topic).toBe("Release day");
  });

  describe("the CLI on a terminal", () => {
    // Rows written before the rule existed (or by a webhook) still hold them; the CLI must not obey.
    beforeAll(async () => {
      const db = t.database.db;
      await db
        .update(users)
        .set({ displayName: `Alice ${HOSTILE}` })
        .where(eq(users.id, alice.id));
      await db
        .update(channels)
        .set({ topic: `topic ${HOSTILE}` })
        .where(eq(channels.id, general));
      await t.json(alice, "POST", `/api/channels/${general}/messages`, { body_md: `**hello** ${HOSTILE}` });
    });

    const runTty = async (command: Command, argv: string[]) => {
      const written: string[] = [];
      const config = loadClientConfig({
        AJET_SERVER: server.url,
        AJET_TOKEN: alice.token,
        XDG_CONFIG_HOME: freshConfigHome(),
      });
      const ctx = new Context(parseArgs(argv, command.flags ?? {}), config, {
        stdoutIsTty: true,
        write: (text) => written.push(text),
      });
      await command.run(ctx);
      return written.join("");
    };

    test.each([
      ["read", read, ["#general"]],
      ["channels", channelsCommand, []],
      ["members", members, []],
      ["whoami", whoami, []],
    ] as [string, Command, string[]][])(
      "%s shows them and styles only with its own colours",
      async (_name, command, argv) => {
        const out = await runTty(command, argv);
        expect(out).toContain("\\x1b]52;c;aGk=\\x07");
        expect(out).toMatch(OWN_SGR);
        expect(CONTROL.test(out.replace(OWN_SGR, ""))).toBe(false);
        expect(out).not.toContain("\u001b[2J");
      },
    );
  });
});
