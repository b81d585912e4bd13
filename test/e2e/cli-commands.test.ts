import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { MessageJson } from "../../lib/client/views.ts";
import type { ChatPerson, ChatServer } from "../support/chat-server.ts";
import { waitFor } from "../support/ports.ts";
import { startTeam } from "../support/team.ts";
import { as, type CliOptions, freshConfigHome, jsonLines, plainLines, runCli } from "../support/terminal.ts";

// Every CLI command against a real `bun run start`, in plain output (stdout is a pipe) and --json.
describe("the ajet-chat CLI", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  const dirs: string[] = [];

  const ok = async (who: ChatPerson, args: string[], options: CliOptions = {}) => {
    const result = await runCli(args, { ...options, env: { ...as(chat, who), ...options.env } });
    if (result.code !== 0) throw new Error(`ajet-chat ${args.join(" ")} → ${result.code}: ${result.stderr}`);
    expect(result.stderr).toBe("");
    return result.stdout;
  };
  const json = async <T = Record<string, unknown>>(
    who: ChatPerson,
    args: string[],
    options: CliOptions = {},
  ) => jsonLines<T>(await ok(who, [...args, "--json"], options));

  beforeAll(async () => {
    ({ server: chat, alice, bob } = await startTeam());
  });
  afterAll(async () => {
    await chat.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("whoami names the person and server, as a plain line and as JSON", async () => {
    expect(plainLines(await ok(alice, ["whoami"]))[0]).toEqual(["alice", "alice", chat.base, "default"]);
    const [me] = await json(alice, ["whoami"]);
    expect(me).toMatchObject({ id: alice.id, username: "alice", server: chat.base });
  });

  test("communities, channels, members, dms and presence list one record per line", async () => {
    expect(plainLines(await ok(alice, ["communities"]))).toEqual([["acme", "Acme", "owner"]]);
    expect((await json(alice, ["communities"]))[0]).toMatchObject({ slug: "acme", role: "owner" });

    const channels = plainLines(await ok(alice, ["channels"]));
    expect(channels[0]?.[0]).toBe("#general");
    const [general] = await json(alice, ["channels", "--community", "acme"]);
    expect(general).toMatchObject({ name: "general", unread_count: expect.any(Number) });

    expect(plainLines(await ok(alice, ["members"])).map((l) => l[0])).toEqual(["@alice", "@bob"]);
    expect((await json(alice, ["members"])).map((m) => (m.user as { username: string }).username)).toEqual([
      "alice",
      "bob",
    ]);

    await ok(alice, ["send", "@bob", "a direct word"]);
    expect(plainLines(await ok(bob, ["dms"]))[0]?.[0]).toBe("@alice");
    expect((await json(bob, ["dms"]))[0]).toMatchObject({ type: "dm", unread_count: 1 });

    await chat.api(alice, "POST", "/api/heartbeat");
    const presence = plainLines(await ok(bob, ["presence"]));
    expect(presence).toContainEqual(["@alice", "online"]);
    expect((await json(bob, ["presence", "@alice"]))[0]).toMatchObject({ username: "alice", online: true });
  });

  test("send prints the new id, reads text from stdin, wraps --code, and read shows it oldest first", async () => {
    const id = (await ok(alice, ["send", "#general", "hello", "**team**"])).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const quiet = (await ok(alice, ["send", "#general", "quietly", "-q"])).trim();
    const piped = (await ok(alice, ["send", "#general", "-q"], { stdin: "from a pipe\nline two\n" })).trim();
    const [code] = await json<MessageJson>(alice, ["send", "general", "--code", "--lang", "sh"], {
      stdin: "make: *** [all] Error 2\n",
    });
    expect(code?.body_md).toBe("```sh\nmake: *** [all] Error 2\n```");

    const lines = plainLines(await ok(bob, ["read", "#general", "--limit", "4"]));
    expect(lines.map((l) => l[0])).toEqual([id, quiet, piped, code?.id]);
    expect(lines[0]).toEqual([id, expect.any(String), "#general", "@alice", "hello **team**"]);
    // A multi-line body stays one line, its newlines escaped.
    expect(lines[2]?.[4]).toBe("from a pipe\\nline two");

    const older = await json<MessageJson>(bob, ["read", "#general", "--before", piped, "--limit", "2"]);
    expect(older.map((m) => m.id)).toEqual([id, quiet]);
    expect(older[0]).toMatchObject({
      body_md: "hello **team**",
      author: { username: "alice" },
      reactions: [],
    });
  });

  test("the same idempotency key twice posts one message", async () => {
    const first = (
      await ok(alice, ["send", "#general", "deploy done", "--idempotency-key", "ci-run-7"])
    ).trim();
    const again = (
      await ok(alice, ["send", "#general", "deploy done", "--idempotency-key", "ci-run-7"])
    ).trim();
    expect(again).toBe(first);
    const recent = await json<MessageJson>(alice, ["read", "#general", "--limit", "5"]);
    expect(recent.filter((m) => m.body_md === "deploy done")).toHaveLength(1);
  });

  test("reply, thread, react, edit and delete work on message ids", async () => {
    const root = (await ok(alice, ["send", "#general", "release notes?", "-q"])).trim();
    const [answer] = await json<MessageJson>(bob, ["reply", root, "on it"]);
    expect(answer).toMatchObject({ parent_id: root, body_md: "on it" });
    // A reply to a reply lands in the same thread.
    const nested = (await ok(alice, ["reply", answer?.id ?? "", "thanks", "-q"])).trim();

    expect(plainLines(await ok(alice, ["thread", nested])).map((l) => l[0])).toEqual([
      root,
      answer?.id,
      nested,
    ]);
    expect((await json<MessageJson>(alice, ["thread", root]))[0]).toMatchObject({ id: root, reply_count: 2 });

    expect(plainLines(await ok(bob, ["react", root, "👍"]))[0]).toEqual([root, "👍:1"]);
    const [reacted] = await json<MessageJson>(alice, ["react", root, "👍"]);
    expect(reacted?.reactions).toEqual([
      expect.objectContaining({ emoji: "👍", count: 2, reacted_by_me: true }),
    ]);
    const [removed] = await json<MessageJson>(alice, ["react", root, "👍", "--remove"]);
    expect(removed?.reactions[0]?.count).toBe(1);

    expect((await ok(alice, ["edit", root, "release notes, please", "-q"])).trim()).toBe(root);
    const [edited] = await json<MessageJson>(alice, ["edit", root], { stdin: "release notes by Friday" });
    expect(edited).toMatchObject({ body_md: "release notes by Friday", edited_at: expect.any(String) });

    expect(plainLines(await ok(bob, ["delete", answer?.id ?? ""]))).toEqual([[answer?.id ?? ""]]);
    const [gone] = await json<MessageJson>(alice, ["delete", nested]);
    expect(gone).toMatchObject({ id: nested, deleted: true });
  });

  test("upload posts a file and download saves it, to a path or to stdout", async () => {
    const work = freshConfigHome();
    dirs.push(work);
    const file = join(work, "report.txt");
    await Bun.write(file, "42 passed, 0 failed\n");
    const [messageId, attachmentId] = plainLines(
      await ok(alice, ["upload", "#general", file, "--message", "nightly report"]),
    )[0] as [string, string];
    const [uploaded] = await json<{ message: MessageJson }>(alice, ["upload", "#general", file]);
    expect(uploaded?.message.attachments[0]).toMatchObject({ filename: "report.txt", size_bytes: 20 });
    expect((await chat.api<MessageJson>(bob, "GET", `/api/messages/${messageId}`)).body_md).toBe(
      "nightly report",
    );

    const saved = join(work, "copy.txt");
    expect(plainLines(await ok(bob, ["download", attachmentId, "-o", saved]))[0]).toEqual([saved, "20"]);
    expect(readFileSync(saved, "utf8")).toBe("42 passed, 0 failed\n");
    expect(await ok(bob, ["download", attachmentId, "-o", "-"])).toBe("42 passed, 0 failed\n");
    const [info] = await json(bob, ["download", attachmentId], { cwd: work });
    expect(info).toMatchObject({ path: join(work, "report.txt"), bytes: 20 });
  });

  test("search finds messages by words, channel and author", async () => {
    await ok(bob, ["send", "#general", "the flamingo migration is finished"]);
    await ok(alice, ["send", "#general", "flamingo pictures later"]);
    const lines = plainLines(await ok(alice, ["search", "flamingo", "--from", "@bob"]));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.slice(2)).toEqual(["#general", "@bob", "the flamingo migration is finished"]);
    const hits = await json<{ message: MessageJson; snippet: string }>(alice, [
      "search",
      "flamingo",
      "--in",
      "#general",
    ]);
    expect(hits).toHaveLength(2);
    expect(hits[0]?.snippet).toContain("<mark>");
  });

  test("notifications lists mentions, --unread only unread ones, --read-all clears them", async () => {
    await ok(alice, ["send", "#general", "@bob please look at the flamingo"]);
    const unread = plainLines(await ok(bob, ["notifications", "--unread"]));
    expect(unread[0]?.slice(2, 5)).toEqual(["mention", "unread", "@alice"]);
    const [first] = await json(bob, ["notifications"]);
    expect(first).toMatchObject({ type: "mention", read: false });
    expect(plainLines(await ok(bob, ["notifications", "--read-all"]))[0]?.[0]).not.toBe("0");
    expect(await ok(bob, ["notifications", "--unread"])).toBe("");
    expect((await json(bob, ["notifications", "--read-all"]))[0]).toEqual({ read_ids: [] });
  });

  test("run sends any slash command; webhook and token wrap theirs", async () => {
    expect(await ok(alice, ["run", "/topic Release day"])).toContain("Release day");
    const [general] = await json(alice, ["channels"]);
    expect(general?.topic).toBe("Release day");
    const [help] = await json(alice, ["run", "/help", "--in", "#general"]);
    expect(help).toMatchObject({ ok: true, reply_md: expect.stringContaining("/topic") });

    const [hook] = await json<{ effects: { url?: string }[] }>(alice, [
      "webhook",
      "create",
      "#general",
      "CI",
    ]);
    const url = hook?.effects[0]?.url ?? "";
    expect(url).toContain("/hook/");
    expect(await ok(alice, ["webhook", "list"])).toContain("CI");
    const posted = await fetch(url, { method: "POST", body: JSON.stringify({ text: "build green" }) });
    expect(posted.status).toBe(200);

    const [made] = await json<{ effects: { token?: string }[] }>(alice, ["token", "create", "deploy"]);
    const botToken = made?.effects[0]?.token ?? "";
    expect(botToken).toStartWith("ajt_");
    expect(await ok(alice, ["token", "list"])).toContain("deploy");
    const bot = { id: "", username: "deploy-bot", token: botToken };
    expect((await ok(bot, ["send", "#general", "deployed", "-q"])).trim()).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("sessions lists your sessions, the one asking marked; token list reads the API's pages, one token a line", async () => {
    const sessions = await json<{ id: string; current: boolean }>(alice, ["sessions"]);
    expect(sessions.filter((x) => x.current)).toHaveLength(1);
    expect(plainLines(await ok(alice, ["sessions"])).map((l) => l[0])).toEqual(sessions.map((x) => x.id));
    expect(
      (await json(bob, ["sessions"])).map((x) => x.id).some((id) => sessions.some((x) => x.id === id)),
    ).toBe(false);

    for (const name of ["pager", "metrics"]) await ok(alice, ["token", "create", name]);
    const tokens = await json<{ id: string; bot: { username: string } }>(alice, ["token", "list"]);
    expect(tokens.map((x) => x.bot.username)).toEqual(expect.arrayContaining(["metrics-bot", "pager-bot"]));
    expect(tokens.map((x) => x.id)).toEqual([...tokens.map((x) => x.id)].sort().reverse());
    expect(JSON.stringify(tokens)).not.toContain("ajt_");
    const plain = plainLines(await ok(alice, ["token", "list"]));
    expect(plain.map((l) => l[0])).toEqual(tokens.map((x) => x.id));
    expect(plain[0]?.[3]).toBe("live");
    const refused = await runCli(["token", "list"], { env: as(chat, bob) });
    expect(refused.code).toBe(2);
  });

  test("login signs in through the browser's approval and keeps the token in a 0600 file; logout forgets it", async () => {
    const config = freshConfigHome();
    dirs.push(config);
    const env = { XDG_CONFIG_HOME: config };
    const proc = Bun.spawn(["bun", "bin/ajet-chat.ts", "login", "--server", chat.base], {
      env: { PATH: process.env.PATH ?? "", HOME: config, ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    let printed = "";
    void (async () => {
      for await (const chunk of proc.stdout) printed += new TextDecoder().decode(chunk);
    })();
    const code = await waitFor(() => {
      const found = /code ([A-Z]{4}-[A-Z]{4})/.exec(printed);
      if (!found) throw new Error(`no code yet: ${printed}`);
      return found[1] as string;
    });
    expect(printed).toContain(`${chat.base}/device?code=${code}`);
    const approved = await fetch(`${chat.base}/device`, {
      method: "POST",
      headers: { authorization: `Bearer ${bob.token}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ code, decision: "approve" }),
    });
    expect(approved.status).toBe(200);
    expect(await proc.exited).toBe(0);
    expect(printed).toContain(`bob\t${chat.base}\tdefault`);

    const file = join(config, "ajet-chat", "profiles.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, "utf8"));
    expect(stored.profiles.default).toMatchObject({
      server: chat.base,
      username: "bob",
      token: expect.any(String),
    });

    const me = await runCli(["whoami"], { env });
    expect(plainLines(me.stdout)[0]?.[0]).toBe("bob");
    expect((await runCli(["logout"], { env })).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).profiles.default.token).toBeUndefined();
    const after = await runCli(["whoami"], { env });
    expect(after.code).toBe(2);
    expect(after.stderr).toContain("not signed in");
    // The session ended at the server too.
    const res = await fetch(`${chat.base}/api/me`, {
      headers: { authorization: `Bearer ${stored.profiles.default.token}` },
    });
    expect(res.status).toBe(401);
  });

  test("--profile keeps several sign-ins apart", async () => {
    const config = freshConfigHome();
    dirs.push(config);
    await Bun.write(
      join(config, "ajet-chat", "profiles.json"),
      JSON.stringify({
        default: "work",
        profiles: {
          work: { server: chat.base, token: alice.token },
          side: { server: chat.base, token: bob.token },
        },
      }),
    );
    const env = { XDG_CONFIG_HOME: config };
    expect(plainLines((await runCli(["whoami"], { env })).stdout)[0]?.[0]).toBe("alice");
    expect(plainLines((await runCli(["whoami", "--profile", "side"], { env })).stdout)[0]?.[0]).toBe("bob");
    const none = await runCli(["whoami", "--profile", "nope"], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("login --profile nope");
  });

  test("on a terminal the output has colour and rendered markdown", async () => {
    await ok(alice, ["send", "#general", "**shiny** `code`"]);
    const script = `bun bin/ajet-chat.ts read '#general' --limit 1`;
    const proc = Bun.spawn(["script", "-qec", script, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "", HOME: "/tmp", ...as(chat, alice) },
      stdout: "pipe",
    });
    const out = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    expect(out).toContain("\x1b[1mshiny\x1b[22m");
    expect(out).not.toContain("**shiny**");
  });

  test("on a terminal a :shortcode: shows as its emoji with a UTF-8 locale, and as typed on the Linux console", async () => {
    await ok(alice, ["send", "#general", "shipped :rocket:"]);
    const readOn = async (env: Record<string, string>) => {
      const proc = Bun.spawn(
        ["script", "-qec", "bun bin/ajet-chat.ts read '#general' --limit 1", "/dev/null"],
        {
          env: { PATH: process.env.PATH ?? "", HOME: "/tmp", ...as(chat, alice), ...env },
          stdout: "pipe",
        },
      );
      const out = await new Response(proc.stdout).text();
      expect(await proc.exited).toBe(0);
      return out;
    };
    const utf8 = await readOn({ LANG: "C.UTF-8", TERM: "xterm-256color" });
    expect(utf8).toContain("shipped 🚀");
    const linuxConsole = await readOn({ LANG: "C.UTF-8", TERM: "linux" });
    expect(linuxConsole).toContain("shipped :rocket:");
    expect(linuxConsole).not.toContain("🚀");
  });
});
