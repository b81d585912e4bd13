import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";
import { freePort } from "../support/ports.ts";
import { startTeam } from "../support/team.ts";
import { as, runCli } from "../support/terminal.ts";

// `ajet-chat --help` documents one exit code per kind of failure; scripts branch on them.
describe("the CLI's exit codes", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;

  beforeAll(async () => {
    ({ server: chat, alice, bob } = await startTeam());
  });
  afterAll(async () => {
    await chat.stop();
  });

  const expectFailure = (
    result: { code: number; stdout: string; stderr: string },
    code: number,
    says: string,
  ) => {
    expect(result.code).toBe(code);
    expect(result.stdout).toBe("");
    // One line on stderr.
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(says);
  };

  test("--help documents every exit code and exits 0", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const line of [
      "0  ok",
      "1  usage",
      "2  not signed in",
      "3  not found",
      "4  server unreachable",
      "5  rate limited",
    ]) {
      expect(help.stdout).toContain(line);
    }
    const one = await runCli(["send", "--help"]);
    expect(one.stdout).toStartWith("usage: ajet-chat send <#channel|@user>");
  });

  test("a usage mistake is 1", async () => {
    expectFailure(await runCli(["frobnicate"]), 1, 'unknown command "frobnicate"');
    expectFailure(
      await runCli(["send", "#general", "x", "--loud"], { env: as(chat, alice) }),
      1,
      "unknown option --loud",
    );
    expectFailure(await runCli(["send"], { env: as(chat, alice) }), 1, "missing #channel or @user");
    expectFailure(
      await runCli(["read", "#general", "--limit", "zero"], { env: as(chat, alice) }),
      1,
      "--limit",
    );
    expectFailure(await runCli(["send", "#general"], { env: as(chat, alice), stdin: "" }), 1, "empty");
    expectFailure(
      await runCli(["react", "not-an-id", "👍"], { env: as(chat, alice) }),
      1,
      "not a message id",
    );
  });

  test("no sign-in, a bad token and a forbidden action are 2", async () => {
    expectFailure(await runCli(["whoami"], { env: { AJET_SERVER: chat.base } }), 2, "not signed in");
    expectFailure(
      await runCli(["channels"], { env: as(chat, { ...alice, token: "ajs_nope" }) }),
      2,
      "not signed in",
    );
    expectFailure(
      await runCli(["run", "/role @alice member"], { env: as(chat, bob) }),
      2,
      "only owners and admins can run /role",
    );
  });

  test("an unknown channel, person or message is 3", async () => {
    expectFailure(
      await runCli(["send", "#nowhere", "hi"], { env: as(chat, alice) }),
      3,
      "no channel #nowhere in acme",
    );
    expectFailure(await runCli(["send", "@nobody", "hi"], { env: as(chat, alice) }), 3, "no member @nobody");
    expectFailure(
      await runCli(["thread", "01900000-0000-7000-8000-000000000000"], { env: as(chat, alice) }),
      3,
      "not found",
    );
  });

  test("a server nobody answers at is 4", async () => {
    const nowhere = `http://127.0.0.1:${freePort()}`;
    expectFailure(
      await runCli(["send", "#general", "hi"], { env: { AJET_SERVER: nowhere, AJET_TOKEN: alice.token } }),
      4,
      `cannot reach ${nowhere}`,
    );
  });
});

describe("the CLI under a rate limit", () => {
  let chat: ChatServer;
  let carol: ChatPerson;
  let flooding = false;

  // Three requests at once, then one every two seconds, per token.
  beforeAll(async () => {
    // Access lines (info) show the test what the gateway answered the CLI.
    chat = await startChatServer({
      AJET_RATE_BURST: "3",
      AJET_RATE_PER_SECOND: "0.5",
      AJET_LOG_LEVEL: "info",
    });
    carol = await chat.invite("carol");
  });
  afterAll(async () => {
    flooding = false;
    await chat.stop();
  });

  const me = () => fetch(`${chat.base}/api/me`, { headers: { authorization: `Bearer ${carol.token}` } });
  const drain = async () => {
    while ((await me()).status !== 429) {}
  };

  test("waits out Retry-After once and then succeeds", async () => {
    await drain();
    const logged = chat.child.stderr().length;
    const result = await runCli(["whoami"], { env: as(chat, carol) });
    expect(result.code).toBe(0);
    expect(result.stdout).toStartWith("carol\t");
    // The gateway saw the CLI refused once and then asking again (after the wait), and nothing more.
    const answered = chat.child
      .stderr()
      .slice(logged)
      .split("\n")
      .filter((line) => line.includes('"service":"auth-gw"') && line.includes('"path":"/api/me"'))
      .map((line) => (JSON.parse(line) as { status: number }).status);
    expect(answered).toEqual([429, 200]);
  });

  test("is 5 when the server still refuses after the wait", async () => {
    await drain();
    flooding = true;
    // Three callers take each token back the moment it refills, so the CLI's one retry finds none.
    const flood = Promise.all(
      [1, 2, 3].map(async () => {
        while (flooding) {
          await me();
          await Bun.sleep(5);
        }
      }),
    );
    const result = await runCli(["whoami"], { env: as(chat, carol) });
    flooding = false;
    await flood;
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("rate limited");
  });
});
