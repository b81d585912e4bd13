import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { and, eq } from "drizzle-orm";
import { SCOPES, type Scope } from "../../lib/auth/scopes.ts";
import { apiTokens, apiUsers, communityMembers, users } from "../../lib/db/schema.ts";
import { apiSpecs } from "../../services/api/routes.ts";
import { DB_KINDS, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { command, commandOk } from "../support/commands.ts";

interface Channel {
  id: string;
  name: string;
}

// A stand-in for each path parameter: well-formed, naming nothing in particular.
const PARAMS: Record<string, string> = {
  slug: "acme",
  emoji: encodeURIComponent("👍"),
  code: "aji_nothing",
};
const fillPath = (path: string) =>
  path.replace(/:(\w+)/g, (_, name: string) => PARAMS[name] ?? "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");

describe.each(DB_KINDS)("bots and their API tokens on %s", (kind) => {
  let t: TestApi;
  let alice: Person;
  let zed: Person;
  let community: string;
  let general: string;
  let elsewhere: string;

  const call = <T = Record<string, unknown>>(
    who: Person | string,
    method: string,
    path: string,
    body?: unknown,
  ) => t.json<T>(who, method, path, body);
  /** A new token for the bot `name`, made with /token create as the owner. */
  const botToken = async (name: string, ...args: string[]) => {
    const reply = await commandOk(t, alice, general, `/token create ${name} ${args.join(" ")}`);
    const effect = reply.effects[0] as unknown as { token: string; token_id: string; user_id: string };
    return { ...effect, reply };
  };

  beforeAll(async () => {
    t = await startTestApi(kind);
    [alice, zed] = (await Promise.all(["alice", "zed"].map((n) => t.person(n)))) as [Person, Person];
    community = (
      await call<{ id: string }>(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" })
    ).id;
    await call(zed, "POST", "/api/communities", { name: "Elsewhere", slug: "elsewhere" });
    general = (
      (await call<{ items: Channel[] }>(alice, "GET", "/api/communities/acme/channels")).items[0] as Channel
    ).id;
    elsewhere = (
      (await call<{ items: Channel[] }>(zed, "GET", "/api/communities/elsewhere/channels"))
        .items[0] as Channel
    ).id;
  });
  afterAll(() => t.close());

  test("/token create makes a bot user bound to the community and shows its token once", async () => {
    const { token, token_id, user_id, reply } = await botToken(
      "deploy",
      "messages:read",
      "messages:write",
      "90d",
    );
    expect(token).toMatch(/^ajt_[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
    expect(reply.reply_md).toContain("Created bot @deploy-bot with messages:read, messages:write, expiring ");
    expect(reply.reply_md).toContain(token);
    const db = t.database.db;
    const [user] = await db.select().from(users).where(eq(users.id, user_id));
    expect(user).toMatchObject({ username: "deploy-bot", kind: "bot", displayName: "deploy" });
    const [apiUser] = await db.select().from(apiUsers).where(eq(apiUsers.userId, user_id));
    expect(apiUser).toMatchObject({ name: "deploy", communityId: community, createdBy: alice.id });
    const [member] = await db
      .select()
      .from(communityMembers)
      .where(and(eq(communityMembers.userId, user_id), eq(communityMembers.communityId, community)));
    expect(member?.role).toBe("member");
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, token_id));
    expect(row?.scopes).toEqual(["messages:read", "messages:write"]);
    expect(row?.tokenHash).not.toContain(token.split(".")[1] as string);
    const days = ((row?.expiresAt?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);

    const list = await commandOk(t, alice, general, "/token list");
    expect(list.reply_md).toContain(
      `| \`${token_id}\` | @deploy-bot | messages:read messages:write | live | never |`,
    );
    expect(list.reply_md).not.toContain(token.split(".")[1] as string);
  });

  test("a second /token create for the same name gives the same bot another token", async () => {
    const first = await botToken("twice");
    const second = await botToken("twice");
    expect(second.user_id).toBe(first.user_id);
    expect(second.reply.reply_md).toStartWith(
      "New token for bot @twice-bot with messages:read, messages:write, channels:read.",
    );
    expect((await call(first.token, "GET", "/api/me")).username).toBe("twice-bot");
    expect((await call(second.token, "GET", "/api/me")).username).toBe("twice-bot");
  });

  test("a bot's username steps aside for a person who has it", async () => {
    await t.person("ci-bot");
    const { user_id } = await botToken("ci");
    const [user] = await t.database.db.select().from(users).where(eq(users.id, user_id));
    expect(user?.username).toBe("ci-bot-2");
  });

  test("a bot reads and posts in its community, its messages carry the bot marker, and the use is recorded", async () => {
    const { token, token_id } = await botToken("poster", "messages:read", "messages:write");
    const posted = await call<{ author: { is_bot: boolean; username: string } }>(
      token,
      "POST",
      `/api/channels/${general}/messages`,
      { body_md: "hello from a bot" },
    );
    expect(posted.author).toMatchObject({ is_bot: true, username: "poster-bot" });
    expect((await t.call(token, "GET", `/api/channels/${general}/messages`)).status).toBe(200);
    const [row] = await t.database.db.select().from(apiTokens).where(eq(apiTokens.id, token_id));
    expect(row?.lastUsedAt).toBeInstanceOf(Date);
  });

  test("a bot acts only inside its community", async () => {
    const { token } = await botToken("local", ...SCOPES);
    expect((await t.call(token, "GET", `/api/channels/${elsewhere}/messages`)).status).toBe(404);
    expect(
      (await t.call(token, "POST", `/api/channels/${elsewhere}/messages`, { body_md: "hi" })).status,
    ).toBe(404);
    expect((await t.call(token, "GET", "/api/communities/elsewhere")).status).toBe(404);
    const mine = await call<{ items: { slug: string }[] }>(token, "GET", "/api/communities");
    expect(mine.items.map((c) => c.slug)).toEqual(["acme"]);
  });

  test("a revoked token stops at once; an expired one too", async () => {
    const revoked = await botToken("shortlived");
    expect((await t.call(revoked.token, "GET", "/api/me")).status).toBe(200);
    expect((await commandOk(t, alice, general, `/token revoke ${revoked.token_id}`)).reply_md).toBe(
      `Revoked token \`${revoked.token_id}\`.`,
    );
    expect((await t.call(revoked.token, "GET", "/api/me")).status).toBe(401);
    expect((await command(t, alice, general, `/token revoke ${revoked.token_id}`)).status).toBe(404);
    expect((await commandOk(t, alice, general, "/token list")).reply_md).toContain(
      `| \`${revoked.token_id}\` | @shortlived-bot | messages:read messages:write channels:read | revoked |`,
    );

    const expiring = await botToken("expiring", "1d");
    expect((await t.call(expiring.token, "GET", "/api/me")).status).toBe(200);
    await t.database.db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, expiring.token_id));
    expect((await t.call(expiring.token, "GET", "/api/me")).status).toBe(401);
  });

  test("another community's token cannot be revoked from here", async () => {
    const theirs = await t.person("theirs");
    await t.join(theirs, "elsewhere", "admin");
    const zedGeneral = elsewhere;
    const made = await commandOk(t, zed, zedGeneral, "/token create foreign");
    const id = made.effects[0]?.token_id as string;
    expect((await command(t, alice, general, `/token revoke ${id}`)).error).toEqual({
      code: "not_found",
      message: "no live token with that id in this community",
    });
  });

  describe("each scope allows exactly its routes", () => {
    const tokens = new Map<string, string>();
    beforeAll(async () => {
      for (const scope of SCOPES) {
        tokens.set(`only ${scope}`, (await botToken(`only-${scope.replace(":", "-")}`, scope)).token);
        const rest = SCOPES.filter((s) => s !== scope);
        tokens.set(`all but ${scope}`, (await botToken(`no-${scope.replace(":", "-")}`, ...rest)).token);
      }
    });

    const scoped = apiSpecs.filter((s): s is typeof s & { scope: Scope } => s.scope !== null);
    test("every route of the API declares a scope or is one any signed-in caller may use", () => {
      expect(scoped.length).toBeGreaterThan(20);
    });

    test.each(scoped.map((s) => [`${s.method} ${s.path}`, s] as const))(
      "%s: refused without its scope, let past the check with it",
      async (_, spec) => {
        const path = fillPath(spec.path);
        const body = spec.method === "GET" || spec.method === "DELETE" ? undefined : {};
        const without = await t.call(tokens.get(`all but ${spec.scope}`) as string, spec.method, path, body);
        expect(without.status).toBe(403);
        expect(((await without.json()) as { error: { message: string } }).error.message).toBe(
          `this token lacks the ${spec.scope} scope`,
        );
        const withIt = await t.call(tokens.get(`only ${spec.scope}`) as string, spec.method, path, body);
        const text = await withIt.text();
        expect(text).not.toContain("lacks the");
      },
    );

    test("slash commands check each command's own scope", async () => {
      const noChannelsWrite = tokens.get("all but channels:write") as string;
      expect(await command(t, noChannelsWrite, general, "/join #general")).toEqual({
        status: 403,
        error: { code: "forbidden", message: "this token lacks the channels:write scope" },
      });
      expect(
        (await command(t, tokens.get("all but messages:write") as string, general, "/me beeps")).error
          ?.message,
      ).toBe("this token lacks the messages:write scope");
      expect(
        (await command(t, tokens.get("only messages:write") as string, general, "/me beeps")).status,
      ).toBe(200);
      expect(
        (await command(t, tokens.get("only channels:write") as string, general, "/join #general")).status,
      ).toBe(200);
      expect((await command(t, tokens.get("only admin") as string, general, "/help")).status).toBe(200);
    });

    test("bots cannot mint tokens or open DMs, and the admin scope does not make a bot an admin", async () => {
      const admin = tokens.get("only admin") as string;
      expect((await command(t, admin, general, "/token create sneaky")).error?.message).toBe(
        "bots cannot run /token",
      );
      expect(
        (await command(t, tokens.get("only messages:write") as string, general, "/msg @alice hi")).error
          ?.message,
      ).toBe("bots cannot run /msg");
      expect((await command(t, admin, general, "/kick @zed")).error?.message).toBe(
        "only owners and admins can run /kick",
      );
    });
  });

  test("a bot made an admin, with the admin scope, runs admin commands", async () => {
    const { token, user_id } = await botToken("moderator", "admin");
    const [bot] = await t.database.db.select().from(users).where(eq(users.id, user_id));
    await commandOk(t, alice, general, `/role @${bot?.username} admin`);
    const victim = await t.person("spammer");
    await t.join(victim, "acme");
    expect((await commandOk(t, token, general, "/kick @spammer")).reply_md).toBe(
      "Removed @spammer from the community.",
    );
  });
});
