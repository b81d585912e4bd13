import { describe, expect, test } from "bun:test";
import { formatDuration, parseDuration } from "../../lib/commands/duration.ts";
import { MAX_COMMAND_CHARS, parseCommand } from "../../lib/commands/parse.ts";
import { DEFAULT_BOT_SCOPES } from "../../lib/commands/token.ts";
import { restOfLine, tokenize } from "../../lib/commands/tokenize.ts";

/** A parsed command: its name and what its parser read. */
type Parsed = { name: string } & Record<string, unknown>;

const parsed = (text: string): Parsed => {
  const result = parseCommand(text);
  if (!result.ok) throw new Error(`expected ${text} to parse, got ${result.error.message}`);
  return { name: result.command.name, ...(result.args as object) };
};
const failure = (text: string) => {
  const result = parseCommand(text);
  if (result.ok) throw new Error(`expected ${text} to fail, got /${result.command.name}`);
  return result.error;
};

describe("the tokenizer", () => {
  test("splits on whitespace and joins quoted runs into one word", () => {
    const result = tokenize(`a  "b c" 'd e'f “g h” x\\y`);
    expect(result.ok && result.tokens.map((t) => t.value)).toEqual(["a", "b c", "d ef", "g h", "x\\y"]);
  });

  test("unescapes backslashes inside quotes", () => {
    const result = tokenize(`"say \\"hi\\"" 'it\\'s'`);
    expect(result.ok && result.tokens.map((t) => t.value)).toEqual(['say "hi"', "it's"]);
  });

  test("reports an unclosed quote with where it opened", () => {
    expect(tokenize(`one "two`)).toEqual({
      ok: false,
      message: 'the quote " opened at character 5 is never closed',
    });
  });

  test("an empty pair of quotes is an empty word, not nothing", () => {
    const result = tokenize(`""`);
    expect(result.ok && result.tokens).toEqual([{ value: "", start: 0, end: 2, quoted: true }]);
  });

  test("free text keeps apostrophes and stray quotes, and unwraps one fully quoted string", () => {
    expect(restOfLine(`x it's "great`, 1)).toBe(`it's "great`);
    expect(restOfLine(`x "spam, mostly"`, 1)).toBe("spam, mostly");
    expect(restOfLine(`x "a" and "b"`, 1)).toBe(`"a" and "b"`);
  });
});

describe("durations", () => {
  test.each([
    ["10m", 600_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    ["1w", 604_800_000],
    ["1h30m", 5_400_000],
    ["2H", 7_200_000],
  ])("%s is %d ms", (text, ms) => expect(parseDuration(text, Number.MAX_SAFE_INTEGER)).toBe(ms));

  test.each(["", "10", "m", "10x", "-5m", "0m", "1.5h", "10 m", "h2", "9999999d"])(
    "%p is not a duration",
    (text) => expect(parseDuration(text, Number.MAX_SAFE_INTEGER)).toBeNull(),
  );

  test("a duration past the maximum is refused", () => {
    expect(parseDuration("366d", 365 * 86_400_000)).toBeNull();
    expect(parseDuration("365d", 365 * 86_400_000)).toBe(365 * 86_400_000);
  });

  test("reads back in days, hours and minutes", () => {
    expect(formatDuration(5_400_000)).toBe("1h 30m");
    expect(formatDuration(86_400_000 + 60_000)).toBe("1d 1m");
  });
});

describe("parsing each command", () => {
  test.each<[string, Parsed]>([
    ["/join #random", { name: "join", channel: { name: "random" } }],
    ["/JOIN Random", { name: "join", channel: { name: "random" } }],
    ['/join "#random"', { name: "join", channel: { name: "random" } }],
    ["/leave", { name: "leave" }],
    ["/topic Release day: v2 ships", { name: "topic", topic: "Release day: v2 ships" }],
    [`/topic it's "done"`, { name: "topic", topic: `it's "done"` }],
    ['/topic ""', { name: "topic", topic: "" }],
    ["/msg @bob see you at 3", { name: "msg", user: { username: "bob" }, text: "see you at 3" }],
    ["/msg bob line one\nline two", { name: "msg", user: { username: "bob" }, text: "line one\nline two" }],
    ["/invite @Carol", { name: "invite", user: { username: "carol" }, channel: null }],
    ["/invite @carol #secret", { name: "invite", user: { username: "carol" }, channel: { name: "secret" } }],
    ["/me waves   at\teveryone", { name: "me", action: "waves at everyone" }],
    ["/help", { name: "help", topic: null }],
    ["/help /ban", { name: "help", topic: "ban" }],
    ["/help token", { name: "help", topic: "token" }],
    ["/ban @mallory", { name: "ban", user: { username: "mallory" }, reason: null }],
    ['/ban @mallory "spam, mostly"', { name: "ban", user: { username: "mallory" }, reason: "spam, mostly" }],
    [
      "/ban @mallory posted links again",
      { name: "ban", user: { username: "mallory" }, reason: "posted links again" },
    ],
    ["/unban @mallory", { name: "unban", user: { username: "mallory" } }],
    ["/kick @mallory", { name: "kick", user: { username: "mallory" } }],
    ["/mute @mallory", { name: "mute", user: { username: "mallory" }, durationMs: 3_600_000 }],
    ["/mute @mallory 10m", { name: "mute", user: { username: "mallory" }, durationMs: 600_000 }],
    ["/mute @mallory 1d", { name: "mute", user: { username: "mallory" }, durationMs: 86_400_000 }],
    ["/unmute @mallory", { name: "unmute", user: { username: "mallory" } }],
    ["/role @dave admin", { name: "role", user: { username: "dave" }, role: "admin" }],
    ["/role @dave MEMBER", { name: "role", user: { username: "dave" }, role: "member" }],
    ["/purge #general", { name: "purge", channel: { name: "general" }, count: 10 }],
    ["/purge #general 25", { name: "purge", channel: { name: "general" }, count: 25 }],
    [
      "/token create deploy",
      { name: "token", sub: "create", botName: "deploy", scopes: DEFAULT_BOT_SCOPES, expiresInMs: null },
    ],
    [
      "/token create deploy-bot messages:write,channels:read reactions:write 90d",
      {
        name: "token",
        sub: "create",
        botName: "deploy",
        scopes: ["messages:write", "channels:read", "reactions:write"],
        expiresInMs: 90 * 86_400_000,
      },
    ],
    ["/token list", { name: "token", sub: "list" }],
    [
      "/token revoke 0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B",
      { name: "token", sub: "revoke", id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" },
    ],
    [
      "/webhook create #ci CI builds",
      { name: "webhook", sub: "create", channel: { name: "ci" }, hookName: "CI builds" },
    ],
    [
      '/webhook create #ci "Build bot"',
      { name: "webhook", sub: "create", channel: { name: "ci" }, hookName: "Build bot" },
    ],
    ["/webhook list", { name: "webhook", sub: "list" }],
    [
      "/webhook create #ci CI builds --avatar https://ci.test/logo.png",
      {
        name: "webhook",
        sub: "create",
        channel: { name: "ci" },
        hookName: "CI builds",
        avatar: "https://ci.test/logo.png",
      },
    ],
    [
      '/webhook edit CI --name "Build bot" --avatar none --overrides off',
      { name: "webhook", sub: "edit", hook: "CI", newName: "Build bot", avatar: null, allowOverride: false },
    ],
    ["/webhook log CI", { name: "webhook", sub: "log", hook: "CI" }],
    ['/webhook test "Build bot"', { name: "webhook", sub: "test", hook: "Build bot" }],
    [
      "/webhook revoke 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
      { name: "webhook", sub: "revoke", id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" },
    ],
    ["/remind list", { name: "remind", sub: "list" }],
    [
      "/remind cancel 0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B",
      { name: "remind", sub: "cancel", id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" },
    ],
    [
      "/remind delete 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
      { name: "remind", sub: "cancel", id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" },
    ],
    [
      "/remind me to stretch in 20 minutes",
      { name: "remind", sub: "set", target: { me: true }, text: "to stretch in 20 minutes" },
    ],
    [
      "/remind @Bob review the PR tomorrow",
      { name: "remind", sub: "set", target: { user: { username: "bob" } }, text: "review the PR tomorrow" },
    ],
    [
      "/remind #team standup every weekday at 9am",
      {
        name: "remind",
        sub: "set",
        target: { channel: { name: "team" } },
        text: "standup every weekday at 9am",
      },
    ],
    ["   /leave   ", { name: "leave" }],
  ])("%p", (text, command) => expect(parsed(text)).toEqual(command));
});

describe("malformed commands answer with why and the usage", () => {
  test.each<[string, string]>([
    ["/join", "missing #channel\nusage: /join #channel"],
    ["/join #general #random", 'unexpected "#random"\nusage: /join #channel'],
    ["/join #Bad!Name", '"#Bad!Name" is not a channel name\nusage: /join #channel'],
    ['/join "#general', 'the quote " opened at character 7 is never closed\nusage: /join #channel'],
    ["/leave now", 'unexpected "now"\nusage: /leave'],
    ["/topic", 'missing topic (`/topic ""` clears it)\nusage: /topic <text>'],
    [`/topic ${"x".repeat(251)}`, "a topic is at most 250 characters\nusage: /topic <text>"],
    ["/msg", "missing @user\nusage: /msg @user <text>"],
    ["/msg @bob", "missing message text\nusage: /msg @user <text>"],
    ['/msg @bob ""', "missing message text\nusage: /msg @user <text>"],
    ["/msg @b!ob hi", '"@b!ob" is not a username\nusage: /msg @user <text>'],
    ["/invite", "missing @user\nusage: /invite @user [#channel]"],
    ["/me", "missing action\nusage: /me <action>"],
    ["/me    ", "missing action\nusage: /me <action>"],
    ["/help ban kick", 'unexpected "kick"\nusage: /help | /help <command>'],
    ["/ban", "missing @user\nusage: /ban @user [reason]"],
    ["/unban @a @b", 'unexpected "@b"\nusage: /unban @user'],
    ["/kick", "missing @user\nusage: /kick @user"],
    [
      "/mute @bob soon",
      '"soon" is not a duration like 10m, 2h, 1d or 1w (at most 365d)\nusage: /mute @user [duration]',
    ],
    [
      "/mute @bob 0m",
      '"0m" is not a duration like 10m, 2h, 1d or 1w (at most 365d)\nusage: /mute @user [duration]',
    ],
    [
      "/mute @bob 400d",
      '"400d" is not a duration like 10m, 2h, 1d or 1w (at most 365d)\nusage: /mute @user [duration]',
    ],
    ["/mute @bob 10m extra", 'unexpected "extra"\nusage: /mute @user [duration]'],
    ["/role @dave", "missing role (admin or member)\nusage: /role @user admin|member"],
    ["/role @dave owner", '"owner" is not a role; use admin or member\nusage: /role @user admin|member'],
    ["/purge", "missing #channel\nusage: /purge #channel [count]"],
    ["/purge #general 0", "the count must be a whole number from 1 to 500\nusage: /purge #channel [count]"],
    ["/purge #general 501", "the count must be a whole number from 1 to 500\nusage: /purge #channel [count]"],
    [
      "/purge #general lots",
      "the count must be a whole number from 1 to 500\nusage: /purge #channel [count]",
    ],
  ])("%p", (text, message) => expect(failure(text)).toEqual({ code: "invalid_command", message }));

  const remindUsage = "usage: /remind me|@user|#channel <what> <when> | /remind list | /remind cancel <id>";
  test.each<[string, string]>([
    ["/remind", `missing me, @user, #channel, list or cancel\n${remindUsage}`],
    [
      "/remind everyone stretch in 5 minutes",
      `"everyone" is not me, @user, #channel, list or cancel\n${remindUsage}`,
    ],
    ["/remind me", `missing what to remind and when\n${remindUsage}`],
    [
      "/remind me in 5 minutes",
      `could not read when in "in 5 minutes"; end with a time, e.g. "in 20 minutes", "at 9am", "tomorrow", "on Friday at 3pm", "every weekday at 9am", "every day at 5pm"\n${remindUsage}`,
    ],
    [
      "/remind me to stretch sometime",
      `could not read when in "to stretch sometime"; end with a time, e.g. "in 20 minutes", "at 9am", "tomorrow", "on Friday at 3pm", "every weekday at 9am", "every day at 5pm"\n${remindUsage}`,
    ],
    ["/remind @b!ob hi in 5 minutes", `"@b!ob" is not a username\n${remindUsage}`],
    [
      "/remind cancel 42",
      `"42" is not an id (ids look like 0190…-…; /remind list shows them)\n${remindUsage}`,
    ],
    ["/remind list all", `unexpected "all"\n${remindUsage}`],
  ])("%p", (text, message) => expect(failure(text)).toEqual({ code: "invalid_command", message }));

  const tokenUsage = "usage: /token create <name> [scopes…] [expiry] | /token list | /token revoke <id>";
  const webhookUsage =
    "usage: /webhook create #channel <name> [--avatar <url>] | /webhook edit <name|id> [--name <name>] [--avatar <url>|none] [--overrides on|off] | /webhook log <name|id> | /webhook test <name|id> | /webhook list | /webhook revoke <id>";
  test.each<[string, string]>([
    ["/token", `missing create, list or revoke\n${tokenUsage}`],
    ["/token rotate", `"rotate" is not create, list or revoke\n${tokenUsage}`],
    ["/token create", `missing bot name\n${tokenUsage}`],
    [
      "/token create Bad/Name",
      `"bad/name" is not a bot name: 1–28 lower-case letters, digits, '.', '_' or '-'\n${tokenUsage}`,
    ],
    [
      "/token create deploy messages:delete",
      `"messages:delete" is neither a scope (messages:read, messages:write, channels:read, channels:write, reactions:write, files:write, admin) nor an expiry like 90d\n${tokenUsage}`,
    ],
    [
      "/token create deploy 30d 60d",
      `"60d" is neither a scope (messages:read, messages:write, channels:read, channels:write, reactions:write, files:write, admin) nor an expiry like 90d\n${tokenUsage}`,
    ],
    ["/token revoke", `missing id\n${tokenUsage}`],
    ["/token revoke 42", `"42" is not an id (ids look like 0190…-…; /token list shows them)\n${tokenUsage}`],
    ["/webhook create", `missing #channel\n${webhookUsage}`],
    ["/webhook create #ci", `missing webhook name\n${webhookUsage}`],
    [`/webhook create #ci ${"n".repeat(81)}`, `a webhook name is at most 80 characters\n${webhookUsage}`],
    ["/webhook list all", `unexpected "all"\n${webhookUsage}`],
    ["/webhook log", `missing webhook name or id\n${webhookUsage}`],
    ["/webhook edit CI", `nothing to change: give --name, --avatar or --overrides\n${webhookUsage}`],
    ["/webhook edit CI --overrides maybe", `"maybe" is not on or off\n${webhookUsage}`],
    ["/webhook edit CI --colour red", `"--colour" is not --name, --avatar or --overrides\n${webhookUsage}`],
    ["/webhook rotate", `"rotate" is not create, edit, log, test, list or revoke\n${webhookUsage}`],
  ])("%p", (text, message) => expect(failure(text)).toEqual({ code: "invalid_command", message }));

  test("an unknown command points at /help", () => {
    expect(failure("/frobnicate now")).toEqual({
      code: "unknown_command",
      message: "there is no /frobnicate command; /help lists the ones you can run",
    });
  });

  test.each(["", "help", "/", "/ join", "/join#general", "/123"])("%p is not a command at all", (text) => {
    expect(failure(text)).toEqual({
      code: "invalid_command",
      message: "a command starts with / and a name, like /help",
    });
  });

  test.each([
    "/me waves\u0000",
    "/topic a\u001bb",
    "/msg @bob hi\u0007",
    "/join #gen\u007feral",
    "/me \u0085",
  ])("control characters are refused: %p", (text) => {
    expect(failure(text)).toEqual({
      code: "invalid_command",
      message: "a command cannot contain control characters",
    });
  });

  test("very long input is refused before it is read", () => {
    expect(failure(`/me ${"x".repeat(MAX_COMMAND_CHARS)}`)).toEqual({
      code: "invalid_command",
      message: `a command is at most ${MAX_COMMAND_CHARS} characters`,
    });
  });

  test("a long message still fits", () => {
    const text = "y".repeat(40_000);
    expect(parsed(`/msg @bob ${text}`)).toEqual({ name: "msg", user: { username: "bob" }, text });
  });

  test("an unbalanced quote inside free text is just text", () => {
    expect(parsed(`/me says "hello`)).toEqual({ name: "me", action: `says "hello` });
  });
});
