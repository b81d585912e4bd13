import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { MessageJson } from "../../lib/client/views.ts";
import { type ChatPerson, type ChatServer, sseReader } from "../support/chat-server.ts";
import { waitFor } from "../support/ports.ts";
import { startTeam } from "../support/team.ts";
import { startTmux, type Tmux } from "../support/terminal.ts";

// The TUI's keys and marks beyond the basics, in tmux: each shown when it should be, and gone when
// it should not be.
describe("the TUI's features in tmux", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let bob: ChatPerson;
  let term: Tmux;
  const ids = { general: "", random: "", standup: "", history: "", archive: "" };

  const say = (who: ChatPerson, channel: string, body_md: string) =>
    chat.api<MessageJson>(who, "POST", `/api/channels/${channel}/messages`, { body_md });
  const typing = (who: ChatPerson, channel: string, state: "start" | "stop") =>
    chat.api(who, "POST", "/tui/typing", { channel_id: channel, state });
  /** The input line (`> …`, `edit> …`), trailing blanks trimmed. */
  const inputRow = () =>
    term
      .screen()
      .split("\n")
      .find((l) => /^(edit|thread)?>( |$)/.test(l))
      ?.trimEnd();
  const bellRang = () => term.run("display", "-p", "-t", term.session, "#{window_bell_flag}").trim() === "1";
  /** Ctrl-N until the message pane's header names `#name`. */
  const goTo = async (name: string) => {
    const header = new RegExp(`│ #${name}\\b`);
    for (let i = 0; i < 6 && !header.test(term.screen()); i++) {
      const before = term.screen().match(/│ #\w+/)?.[0];
      term.keys("C-n");
      await waitFor(() => {
        if (term.screen().match(/│ #\w+/)?.[0] === before) throw new Error("still on the same channel");
      });
    }
    return term.shows(header);
  };

  /** How many pages of #archive's history the API has answered (its access lines, logged at debug). */
  const archivePagesServed = () =>
    chat.child
      .stderr()
      .split("\n")
      .filter(
        (l) => l.includes('"service":"api"') && l.includes(`"path":"/api/channels/${ids.archive}/messages"`),
      ).length;

  beforeAll(async () => {
    const names = ["general", "random", "standup", "history", "archive"] as const;
    const team = await startTeam(names.slice(1), { AJET_LOG_LEVEL: "debug" });
    ({ server: chat, alice, bob } = team);
    for (const name of names) ids[name] = team.id(name);
    // Alice read #standup up to her own message; bob wrote two more after it.
    await say(alice, ids.standup, "seen before");
    await say(bob, ids.standup, "unseen one");
    await say(bob, ids.standup, "unseen two");
    // More than the 50 the TUI loads at first.
    const fill = async (channel: string, prefix: string) => {
      for (let n = 1; n <= 60; n++) await say(bob, channel, `${prefix}-${String(n).padStart(2, "0")}`);
    };
    await Promise.all([fill(ids.history, "old"), fill(ids.archive, "arc")]);

    term = startTmux({
      width: 100,
      height: 30,
      env: {
        AJET_SERVER: chat.base,
        AJET_TOKEN: alice.token,
        XDG_CONFIG_HOME: "/nonexistent",
        // A terminal with 24-bit colour, so a gutter's colour is drawn exactly.
        COLORTERM: "truecolor",
      },
    });
    term.keys("bun bin/ajet-chat.ts", "Enter");
    await term.shows("#general  Everyone, everything");
  });
  afterAll(async () => {
    term?.kill();
    await chat?.stop();
  });

  test("? shows every key over the screen, and the next key closes it without being typed", async () => {
    term.type("?");
    const help = await term.shows("Any key closes this help.");
    expect(help).toContain("edit your last message");
    expect(help).toContain("Ctrl-G");
    term.type("x");
    await term.hides("Any key closes this help.");
    expect(inputRow()).toBe(">");
  });

  test("Tab completes /commands, @people and #channels, listing the choices when several match", async () => {
    term.type("/top");
    term.keys("Tab");
    await waitFor(() => expect(inputRow()).toBe("> /topic"));
    term.keys("C-u");

    term.type("/m");
    term.keys("Tab");
    await term.shows(/\/msg {2}\/me {2}\/mute/);
    expect(inputRow()).toBe("> /m");
    term.type("s");
    await term.hides("/mute");
    term.keys("Tab");
    term.type("@b");
    term.keys("Tab");
    term.type("see #ra");
    term.keys("Tab");
    await waitFor(() => expect(inputRow()).toBe("> /msg @bob see #random"));
    term.keys("C-u");

    // Nobody matches: nothing changes (the "!" shows the Tab was handled before it).
    term.type("@nobody");
    term.keys("Tab");
    term.type("!");
    await waitFor(() => expect(inputRow()).toBe("> @nobody!"));
    term.keys("C-u");
    await waitFor(() => expect(inputRow()).toBe(">"));
  });

  test("↑ on an empty input edits your last message, which is then marked (edited)", async () => {
    term.type("first draft");
    term.keys("Enter");
    await term.shows(/│ +first draft/);
    // Not while something is typed.
    term.type("half typed");
    term.keys("Up");
    term.type("!");
    await waitFor(() => expect(inputRow()).toBe("> half typed!"));
    term.keys("C-u", "Up");
    await waitFor(() => expect(inputRow()).toBe("edit> first draft"));
    term.keys("C-u");
    term.type("final words");
    term.keys("Enter");
    await term.shows(/│ +final words/);
    const after = await term.hides(/│ +first draft/);
    expect(after).toContain("(edited)");
    expect(inputRow()).toBe(">");
    const [last] = (
      await chat.api<{ items: MessageJson[] }>(alice, "GET", `/api/channels/${ids.general}/messages?limit=1`)
    ).items;
    expect(last).toMatchObject({ body_md: "final words", edited_at: expect.any(String) });
  });

  test("editing a multi-line message keeps its lines: they show as ⏎ and Alt+Enter adds one", async () => {
    await say(alice, ids.general, "line one\n```\ncode line\n```");
    await term.shows(/│ +code line/);
    term.keys("C-u", "Up");
    await waitFor(() => expect(inputRow()).toBe("edit> line one⏎```⏎code line⏎```"));
    term.keys("End", "M-Enter");
    term.type("line four");
    term.keys("Enter");
    await term.shows(/│ +line four/);
    const [last] = (
      await chat.api<{ items: MessageJson[] }>(alice, "GET", `/api/channels/${ids.general}/messages?limit=1`)
    ).items;
    expect(last?.body_md).toBe("line one\n```\ncode line\n```\nline four");
  });

  test("another person typing shows in the status bar until they stop", async () => {
    expect(term.screen()).not.toContain("is typing");
    await typing(bob, ids.general, "start");
    await term.shows("bob is typing…");
    await typing(bob, ids.general, "stop");
    // Well before the 15 s a silent typist stays shown.
    await term.hides("is typing", 2_000);
  });

  test("typing here tells the others, and clearing the draft tells them it stopped", async () => {
    const res = await fetch(`${chat.base}/tui/events?community=acme`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    const bobs = sseReader(res);
    try {
      await bobs.next((e) => e.event === "ready");
      term.type("thinking");
      const start = await bobs.next((e) => e.event === "typing.start");
      expect(JSON.parse(start.data)).toMatchObject({ channel_id: ids.general, actor_id: alice.id });
      expect(bobs.events.some((e) => e.event === "typing.stop")).toBe(false);
      term.keys("C-u");
      const stop = await bobs.next((e) => e.event === "typing.stop");
      expect(JSON.parse(stop.data)).toMatchObject({ channel_id: ids.general, actor_id: alice.id });
    } finally {
      await bobs.cancel();
    }
  });

  test("a mention rings the bell and counts in the status bar; Ctrl-G lists it and clears the count", async () => {
    await say(bob, ids.random, "just chatting");
    await term.shows(/# random +1 *│/);
    expect(bellRang()).toBe(false);
    expect(term.screen()).not.toContain("🔔");

    await say(bob, ids.random, "@alice can you look at this");
    await term.shows(/🔔 1 /);
    await waitFor(() => expect(bellRang()).toBe(true));

    term.keys("C-g");
    const list = await term.shows("Notifications  Esc returns");
    expect(list).toMatch(/mention @bob in #random .*can you look at this/);
    await term.hides("🔔");
    term.keys("Escape");
    await term.hides("Notifications  Esc returns");
    await term.shows("#general  Everyone, everything");
  });

  test("a webhook's Slack attachments are drawn behind gutters in their own colours", async () => {
    const made = await chat.api<{ effects: { url: string }[] }>(alice, "POST", "/api/commands", {
      channel_id: ids.general,
      text: "/webhook create #general CI",
    });
    const hook = await fetch(made.effects[0]?.url as string, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        text: "Build *passed*",
        attachments: [
          { color: "good", title: "main", fields: [{ title: "Took", value: "2m", short: true }] },
          { color: "danger", title: "nightly", text: "3 failed" },
        ],
      }),
    });
    expect(hook.status).toBe(200);
    const shown = await term.shows("▌ 3 failed");
    expect(shown).toContain("CI [bot]");
    expect(shown).toMatch(/│ +Build passed/);
    expect(shown).toMatch(/▌ main\s*$/m);
    expect(shown).toMatch(/▌ Took: 2m\s*$/m);

    const coloured = term.screen({ colors: true }).split("\n");
    const gutterOf = (text: string) => {
      const row = coloured.find((l) => l.includes(text)) ?? "";
      if (!row.includes("▌")) return undefined;
      // The last SGR before the gutter: its look.
      const before = row.slice(0, row.indexOf("▌"));
      return before.slice(before.lastIndexOf("\x1b["));
    };
    const good = "38;2;46;184;134";
    const danger = "38;2;163;2;0";
    expect(gutterOf("main")).toContain(good);
    expect(gutterOf("Took")).toContain(good);
    expect(gutterOf("3 failed")).toContain(danger);
    expect(gutterOf("3 failed")).not.toContain(good);
    expect(gutterOf("Build")).toBeUndefined();
  });

  test('a channel opened with unread messages has a "new" divider after the read position, gone once read', async () => {
    const divider = /─+ new ─+/;
    expect(term.screen()).not.toMatch(divider);
    await goTo("standup");
    const rows = (await term.shows("unseen two")).split("\n");
    const row = (check: string | RegExp) => rows.findIndex((r) => r.match(check));
    expect(row("seen before")).toBeGreaterThan(0);
    expect(row(divider)).toBeGreaterThan(row("seen before"));
    expect(row("unseen one")).toBeGreaterThan(row(divider));

    await goTo("general");
    const again = await goTo("standup");
    expect(again).toContain("unseen two");
    expect(again).not.toMatch(divider);
  });

  test("PgUp scrolls back and loads older history at the top; PgDn returns to the newest", async () => {
    const first = await goTo("history");
    expect(first).toContain("old-60");
    expect(first).not.toContain("old-01");
    // Held down, as people do: more presses than it takes to reach the top.
    term.keys(...Array.from({ length: 12 }, () => "PPage"));
    // Each further press once the last one showed (a scroll, or the older page arriving).
    for (let i = 0; i < 10; i++) {
      // One look decides both: a page arriving between two looks would leave nothing to scroll.
      const before = term.screen();
      if (before.includes("old-01")) break;
      term.keys("PPage");
      await waitFor(() => {
        if (term.screen() === before) throw new Error("the screen has not moved");
      });
    }
    const top = await term.shows("old-01");
    expect(top).not.toContain("older messages");
    expect(top).not.toContain("old-60");
    const shown = [...(top.match(/old-\d\d/g) ?? [])];
    expect(shown).toEqual([...shown].sort());
    expect(new Set(shown).size).toBe(shown.length);
    term.keys(...Array.from({ length: 6 }, () => "NPage"));
    const bottom = await term.shows("old-60");
    expect(bottom).not.toContain("old-01");
  });

  test("an older page that arrives after the person changed channel stays with its own channel", async () => {
    await goTo("archive");
    const pagesServed = archivePagesServed();
    // Enough presses to reach the top and start fetching the older page, then on at once.
    term.keys(...Array.from({ length: 6 }, () => "PPage"), "C-n");
    await term.shows(/│ #general/);
    // The older page was served, and a message sent after that has reached the TUI too.
    await waitFor(() => expect(archivePagesServed()).toBeGreaterThan(pagesServed));
    await say(bob, ids.general, "after the older page");
    await term.shows("after the older page");
    expect(term.screen()).not.toContain("arc-");

    await goTo("archive");
    term.keys(...Array.from({ length: 8 }, () => "PPage"));
    const top = await term.shows("arc-01");
    const shown = [...(top.match(/arc-\d\d/g) ?? [])];
    expect(new Set(shown).size).toBe(shown.length);
  });
});
