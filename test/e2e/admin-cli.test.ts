import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { adminSocket, boxEnv, runAdmin } from "../support/admin.ts";
import {
  type ChatPerson,
  type ChatServer,
  jsonOver,
  signUp,
  sseReader,
  startChatServer,
  startFreshServer,
} from "../support/chat-server.ts";
import { waitFor } from "../support/ports.ts";
import { spawnChild, waitUntilReady } from "../support/process.ts";
import { jsonLines, plainLines } from "../support/terminal.ts";

// `ajet-chat admin` from a shell on the box of a real `bun run start`, with no sign-in.
describe("ajet-chat admin against a running embedded server", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let carol: ChatPerson;
  let dave: ChatPerson;

  const admin = (...args: string[]) => runAdmin(boxEnv(chat), ["admin", ...args]);
  const ok = async (...args: string[]) => {
    const result = await admin(...args);
    if (result.code !== 0) throw new Error(`admin ${args.join(" ")} → ${result.code}: ${result.stderr}`);
    expect(result.stderr).toBe("");
    return result.stdout;
  };
  const audit = async (...filters: string[]) =>
    jsonLines<Record<string, unknown>>(await ok("audit", "--json", ...filters));
  const status = async (who: ChatPerson) =>
    (await fetch(`${chat.base}/api/me`, { headers: { authorization: `Bearer ${who.token}` } })).status;

  beforeAll(async () => {
    // Streams are re-checked hourly here, so only the deactivation's own event can end one in time.
    chat = await startChatServer({ AJET_STREAM_RECHECK_SECONDS: "3600" });
    alice = chat.owner;
    bob = await chat.invite("bob");
    carol = await chat.invite("carol");
    dave = await chat.invite("dave");
  });
  afterAll(async () => {
    await chat.stop();
  });

  test("the socket it talks to is the server user's alone: 0600 in a 0700 folder", () => {
    const socket = adminSocket(chat.dataDir);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
  });

  test("users list prints everyone, one per line, and users search narrows by name", async () => {
    const names = plainLines(await ok("users", "list")).map((l) => l[0]);
    expect(names).toEqual(["@alice", "@bob", "@carol", "@dave"]);
    const found = plainLines(await ok("users", "search", "CAR"));
    expect(found.map((l) => l[0])).toEqual(["@carol"]);
    expect(found[0]?.[3]).toBe("active");
    // LIKE's wildcards are plain characters in a search.
    expect(await ok("users", "search", "%")).toBe("");
  });

  test("deactivate @bob ends his open stream at once and his token stops working; the audit log names local-admin and the OS user", async () => {
    const res = await fetch(`${chat.base}/tui/events?community=acme`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(res.status).toBe(200);
    const stream = sseReader(res);
    await stream.next((e) => e.event === "ready" || e.event === "hello" || e.data.length > 0);

    expect((await ok("deactivate", "@bob")).trim()).toBe("@bob is deactivated");
    await waitFor(() => expect(stream.ended).toBe(true));
    expect(await status(bob)).toBe(401);
    expect(await status(carol)).toBe(200);

    const [row] = await audit("--what", "user.deactivated");
    expect(row).toMatchObject({ actor: "local-admin", action: "user.deactivated" });
    expect((row?.data as { os_user?: string } | undefined)?.os_user).toMatch(/ \(uid \d+\)$/);

    expect((await ok("reactivate", "bob")).trim()).toBe("@bob is reactivated");
    // His old token stays ended.
    expect(await status(bob)).toBe(401);
    const again = await admin("reactivate", "@bob");
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("ajet-chat: this account is not deactivated\n");
  });

  test("sessions revoke @carol signs carol out everywhere, and nobody else", async () => {
    // Just let in: the gateway remembers her session, and must forget it.
    expect(await status(carol)).toBe(200);
    expect((await ok("sessions", "revoke", "@carol")).trim()).toBe("ended 1 session of @carol");
    expect(await status(carol)).toBe(401);
    expect(await status(alice)).toBe(200);
    const [row] = await audit("--who", "local-admin", "--what", "session.revoked_all");
    expect(row).toMatchObject({ actor: "local-admin", target: `user:${carol.id}` });
  });

  test("role makes a member admin; communities transfer hands the community over and the old owner stays admin", async () => {
    const roleOf = async (who: ChatPerson) => {
      const members = await chat.api<{ items: { user: { id: string }; role: string }[] }>(
        alice,
        "GET",
        "/api/communities/acme/members",
      );
      return members.items.find((m) => m.user.id === who.id)?.role;
    };
    expect((await ok("role", "@dave", "admin", "--community", "acme")).trim()).toBe("@dave is admin of acme");
    expect(await roleOf(dave)).toBe("admin");

    expect((await ok("communities", "transfer", "acme", "@dave")).trim()).toBe("@dave is owner of acme");
    expect(await roleOf(dave)).toBe("owner");
    expect(await roleOf(alice)).toBe("admin");
    expect(plainLines(await ok("communities", "list"))).toEqual([
      ["acme", "Acme", "@dave", "4", expect.any(String)],
    ]);

    // An owner is changed only by making someone else owner.
    const demote = await admin("role", "@dave", "member", "--community", "acme");
    expect(demote.code).toBe(1);
    expect(demote.stderr).toBe("ajet-chat: @dave owns acme: make someone else owner instead\n");
    await ok("role", "@alice", "owner", "--community", "acme");
    expect(await roleOf(alice)).toBe("owner");
    expect(await roleOf(dave)).toBe("admin");

    const changes = await audit("--what", "member.role_changed", "--community", "acme");
    expect(changes.every((c) => c.actor === "local-admin")).toBe(true);
    expect(changes).toHaveLength(5);
  });

  test("invites list shows the community's invites, and a revoked invite link stops working", async () => {
    const { url } = await chat.api<{ url: string }>(alice, "POST", "/api/communities/acme/invites", {});
    const listed = jsonLines<{ id: string; status: string; community: string }>(
      await ok("invites", "list", "--community", "acme", "--json"),
    );
    const fresh = listed.find((i) => i.status === "active");
    expect(fresh?.community).toBe("acme");
    expect(listed.filter((i) => i.status === "used up")).toHaveLength(3);

    expect((await ok("invites", "revoke", fresh?.id ?? "")).trim()).toBe(`invite ${fresh?.id} is revoked`);
    await expect(signUp(jsonOver(chat.base), new URL(url).pathname, "mallory")).rejects.toThrow(/404/);
    expect((await admin("invites", "revoke", fresh?.id ?? "")).code).toBe(3);
  });

  test("tokens list shows bots' tokens without their secrets, and a revoked token stops working", async () => {
    const channels = await chat.api<{ items: { id: string }[] }>(
      alice,
      "GET",
      "/api/communities/acme/channels",
    );
    const reply = await chat.api<Record<string, unknown>>(alice, "POST", "/api/commands", {
      channel_id: channels.items[0]?.id,
      text: "/token create deploybot",
    });
    const token = JSON.stringify(reply).match(/ajt_[A-Za-z0-9_.-]+/)?.[0] ?? "";
    expect(token).not.toBe("");
    const bot = { id: "", username: "deploybot", token };
    expect(await status(bot)).toBe(200);

    const out = await ok("tokens", "list");
    expect(out).not.toContain(token);
    expect(out).not.toContain(token.split(".")[1] ?? "none");
    const [line] = plainLines(out);
    expect(line?.slice(1, 3)).toEqual(["@deploybot-bot", "acme"]);
    expect(line?.[4]).toBe("active");

    expect((await ok("tokens", "revoke", line?.[0] ?? "")).trim()).toBe(`token ${line?.[0]} is revoked`);
    expect(await status(bot)).toBe(401);
    expect(plainLines(await ok("tokens", "list"))[0]?.[4]).toBe("revoked");
  });

  test("setup-link refuses once setup is done, in one line with exit 1", async () => {
    const result = await admin("setup-link");
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toStartWith("ajet-chat: setup is done (a community exists)");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("audit filters by who, what and since", async () => {
    const invite = await chat.api<{ id: string }>(alice, "POST", "/api/communities/acme/invites", {});
    await chat.api(alice, "DELETE", `/api/communities/acme/invites/${invite.id}`);
    const byAlice = await audit("--who", "@alice");
    expect(byAlice.length).toBeGreaterThan(0);
    expect(byAlice.every((r) => r.actor === "@alice")).toBe(true);
    expect(byAlice.map((r) => r.action)).toContain("invite.created");
    expect(await audit("--since", "2099-01-01")).toEqual([]);
    const recent = await audit("--since", "1h", "--what", "invite.");
    expect(recent.map((r) => r.action).sort()).toEqual(
      expect.arrayContaining(["invite.created", "invite.revoked", "invite.used"]),
    );
    expect(recent.every((r) => String(r.action).startsWith("invite."))).toBe(true);
  });

  test("doctor checks config, database, clock, migrations, bus and storage, and all pass", async () => {
    const checks = plainLines(await ok("doctor"));
    expect(checks.map((c) => [c[0], c[1]])).toEqual([
      ["config", "ok"],
      ["database", "ok"],
      ["clock", "ok"],
      ["migrations", "ok"],
      ["bus", "ok"],
      ["storage", "ok"],
    ]);
  });

  test("bad input is one line with an exit code, and nothing changes", async () => {
    const cases: [string[], number, string][] = [
      [["frobnicate"], 1, 'unknown admin command "frobnicate"'],
      [["deactivate", "@nobody"], 3, "@nobody not found"],
      [["role", "@dave", "king", "--community", "acme"], 1, "the role must be one of owner, admin, member"],
      [["role", "@dave", "admin", "--community", "nowhere"], 3, 'community "nowhere" not found'],
      [["users", "list", "--colour", "red"], 1, "users list takes no --colour"],
      [["audit", "--since", "yesterday-ish"], 1, "--since takes a time"],
    ];
    const before = await audit("--limit", "10000");
    for (const [args, code, message] of cases) {
      const result = await admin(...args);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.stderr).toStartWith(`ajet-chat: ${message}`);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stdout).toBe("");
    }
    expect(await audit("--limit", "10000")).toEqual(before);
  });
});

describe("ajet-chat admin on a stopped embedded server", () => {
  test("it opens the data itself, takes the lock meanwhile, and the server starts again afterwards", async () => {
    const chat = await startChatServer();
    try {
      const bob = await chat.invite("bob");
      await chat.child.stop();
      const env = boxEnv(chat);
      const listed = await runAdmin(env, ["admin", "users", "list"]);
      expect(listed.stderr).toBe("");
      expect(plainLines(listed.stdout).map((l) => l[0])).toEqual(["@alice", "@bob"]);
      expect((await runAdmin(env, ["admin", "deactivate", "@bob"])).stdout.trim()).toBe(
        "@bob is deactivated",
      );
      const [row] = jsonLines<{ actor: string; action: string }>(
        (await runAdmin(env, ["admin", "audit", "--json", "--what", "user.deactivated"])).stdout,
      );
      expect(row).toMatchObject({ actor: "local-admin", action: "user.deactivated" });

      // The same data dir serves again: the admin CLI released its lock.
      const port = String(await import("../support/ports.ts").then((p) => p.freePort()));
      const again = spawnChild(["bun", "run", "start"], { AJET_DATA_DIR: chat.dataDir, AJET_PORT: port });
      try {
        await waitUntilReady(again, `http://127.0.0.1:${port}/readyz`);
        const me = await fetch(`http://127.0.0.1:${port}/api/me`, {
          headers: { authorization: `Bearer ${bob.token}` },
        });
        expect(me.status).toBe(401);
      } finally {
        await again.stop();
      }
    } finally {
      await chat.stop();
    }
  });
});

describe("ajet-chat admin setup-link on a server whose first link was lost", () => {
  test("prints a new link that signs in the first person, and the lost one stops working", async () => {
    const fresh = await startFreshServer();
    try {
      const lost = new URL(await fresh.setupLink()).pathname;
      const result = await runAdmin({ AJET_DATA_DIR: fresh.dataDir }, ["admin", "setup-link"]);
      expect(result.stderr).toBe("");
      const line = result.stdout.trim();
      expect(line).toMatch(/^setup link: http:\/\/\S+\/setup\/aju_\S+$/);
      const api = jsonOver(fresh.base);
      await expect(signUp(api, lost, "alice")).rejects.toThrow(/404/);
      const alice = await signUp(api, new URL(line.slice("setup link: ".length)).pathname, "alice");
      expect(alice.id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await fresh.stop();
    }
  });
});

describe("ajet-chat admin migrate on a data dir no server has opened", () => {
  test("other commands ask for migrate first; migrate applies every migration once and doctor then agrees", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "ajet-admin-migrate-")), "data");
    try {
      const env = { AJET_DATA_DIR: dataDir };
      const early = await runAdmin(env, ["admin", "users", "list"]);
      expect(early.code).toBe(4);
      expect(early.stderr).toMatch(
        /^ajet-chat: the database lacks \d+ migration\(s\): run ajet-chat admin migrate\n$/,
      );
      const pending = await runAdmin(env, ["admin", "doctor"]);
      expect(pending.code).toBe(1);
      expect(plainLines(pending.stdout).find((c) => c[0] === "migrations")?.[2]).toEndWith(
        "run ajet-chat admin migrate",
      );

      const applied = await runAdmin(env, ["admin", "migrate"]);
      expect(applied.stdout).toStartWith("applied 0000_init, ");
      expect((await runAdmin(env, ["admin", "migrate"])).stdout).toBe("database is up to date\n");
      expect((await runAdmin(env, ["admin", "doctor"])).code).toBe(0);
      expect((await runAdmin(env, ["admin", "users", "list"])).stdout).toBe("");
    } finally {
      rmSync(join(dataDir, ".."), { recursive: true, force: true });
    }
  });
});
