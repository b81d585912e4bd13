import { describe, expect, test } from "bun:test";
import type { MeJson, MessageJson } from "../../lib/client/views.ts";
import { fit, wrap } from "../../lib/terminal/tui/lines.ts";
import {
  closeInnermost,
  nextCommunity,
  pickMessage,
  sidebarStep,
  targetMessage,
} from "../../lib/terminal/tui/navigation.ts";
import { applyEvent, initialState, type SidebarItem, type TuiState } from "../../lib/terminal/tui/state.ts";

const me = { id: "a", username: "alice", display_name: "Alice" } as MeJson;
const item = (id: string, kind: SidebarItem["kind"] = "channel"): SidebarItem => ({
  id,
  kind,
  label: id,
  unread: 0,
  mentions: 0,
  topic: null,
  isMember: true,
  lastReadId: null,
  people: [],
});
const message = (id: string, channel: string, extra: Partial<MessageJson> = {}): MessageJson => ({
  id,
  channel_id: channel,
  community_id: "c",
  parent_id: null,
  author: { id: "b", username: "bob", display_name: "Bob", avatar_url: null, is_bot: false },
  body_md: "hi",
  deleted: false,
  embeds: null,
  client_msg_id: null,
  created_at: new Date().toISOString(),
  edited_at: null,
  reply_count: 0,
  reactions: [],
  mentions: [],
  attachments: [],
  ...extra,
});
const created = (m: MessageJson) => ({ event: "message.created", data: { data: { message: m } } });

describe("the TUI's live state", () => {
  test("a message elsewhere counts as unread (and a mention of me as a mention); in the shown channel it is read", () => {
    const s = initialState(me);
    s.channels = [item("general"), item("random")];
    s.currentId = "general";
    s.messages.set("general", []);
    expect(applyEvent(s, created(message("m1", "general")))).toEqual({ markRead: "m1" });
    expect(s.messages.get("general")?.map((m) => m.id)).toEqual(["m1"]);
    applyEvent(
      s,
      created(message("m2", "random", { mentions: [{ type: "user", user_id: "a", username: "alice" }] })),
    );
    expect(s.channels[1]).toMatchObject({ unread: 1, mentions: 1 });
  });

  test("a message seen twice (sent here, echoed by the stream) counts once", () => {
    const s = initialState(me);
    s.channels = [item("general")];
    s.messages.set("general", [message("root", "general")]);
    const reply = message("r1", "general", { parent_id: "root" });
    applyEvent(s, created(reply));
    applyEvent(s, created(reply));
    expect(s.messages.get("general")?.[0]?.reply_count).toBe(1);
  });

  test("reactions follow added and removed events, marking my own", () => {
    const s = initialState(me);
    s.messages.set("general", [message("m1", "general")]);
    const react = (event: string, user: string) =>
      applyEvent(s, { event, data: { data: { message_id: "m1", emoji: "👍", user_id: user } } });
    react("reaction.added", "b");
    react("reaction.added", "a");
    react("reaction.added", "a");
    expect(s.messages.get("general")?.[0]?.reactions).toEqual([
      { emoji: "👍", count: 2, reacted_by_me: true, user_ids: ["b", "a"] },
    ]);
    react("reaction.removed", "b");
    react("reaction.removed", "a");
    expect(s.messages.get("general")?.[0]?.reactions).toEqual([]);
  });

  test("a mention or a reminder rings the bell; an unknown DM reloads the lists", () => {
    const s = initialState(me);
    const n = {
      id: "n1",
      type: "mention",
      read: false,
      created_at: "",
      data: {},
      source_id: "m",
      channel_id: null,
      actor_id: "b",
    };
    expect(applyEvent(s, { event: "notification.created", data: { data: { notification: n } } })).toEqual({
      bell: true,
    });
    expect(s.unreadNotifications).toBe(1);
    // A reminder rings too, and is listed with its words.
    const reminder = {
      ...n,
      id: "n2",
      type: "system",
      data: { kind: "reminder", text: "Reminder: stretch" },
    };
    expect(
      applyEvent(s, {
        event: "notification.created",
        data: { data: { notification: reminder, preview: "Reminder: stretch" } },
      }),
    ).toEqual({ bell: true });
    expect(s.notifications[0]?.preview).toBe("Reminder: stretch");
    // Other system notices (a role change) keep quiet.
    const notice = { ...n, id: "n3", type: "system", data: { kind: "role_changed" } };
    expect(
      applyEvent(s, { event: "notification.created", data: { data: { notification: notice } } }),
    ).toEqual({
      bell: false,
    });
    expect(applyEvent(s, created(message("d1", "dm-new", { community_id: null })))).toEqual({
      reloadLists: true,
    });
  });
});

describe("the TUI's notification preferences", () => {
  const mention = (ring?: boolean) => ({
    event: "notification.created",
    data: {
      data: {
        notification: { id: `n-${ring}`, type: "mention", read: false, channel_id: "noisy", actor_id: "b" },
        ...(ring === undefined ? {} : { ring }),
      },
    },
  });

  test("a muted channel's messages weigh no unread, but a mention of me still counts", () => {
    const s = initialState(me);
    s.channels = [{ ...item("noisy"), muted: true }, item("general")];
    s.currentId = "general";
    applyEvent(s, created(message("m1", "noisy")));
    applyEvent(
      s,
      created(message("m2", "noisy", { mentions: [{ type: "user", user_id: "a", username: "alice" }] })),
    );
    expect(s.channels[0]).toMatchObject({ unread: 0, mentions: 1 });
  });

  test("a notification that must not ring (muted channel, do not disturb) rings no bell but is kept", () => {
    const s = initialState(me);
    expect(applyEvent(s, mention(false))).toEqual({ bell: false });
    expect(applyEvent(s, mention(true))).toEqual({ bell: true });
    expect(s.unreadNotifications).toBe(2);
  });

  test("muting from another client updates the sidebar with the server's counts", () => {
    const s = initialState(me);
    s.channels = [{ ...item("noisy"), unread: 4 }];
    applyEvent(s, {
      event: "notify.preferences",
      data: {
        channel_id: "noisy",
        data: {
          notify: "mentions",
          muted: true,
          counts: [{ channel_id: "noisy", unread_count: 0, mention_count: 1 }],
        },
      },
    });
    expect(s.channels[0]).toMatchObject({ muted: true, unread: 0, mentions: 1, notify: "mentions" });
  });
});

describe("moving around the TUI", () => {
  const shownWith = (...messages: MessageJson[]) => {
    const s = initialState(me);
    s.currentId = "general";
    s.messages.set("general", messages);
    return s;
  };

  test("Alt-↑ picks older messages, skipping deleted ones and stopping at the oldest; Alt-↓ past the newest picks none", () => {
    const s = shownWith(
      message("m1", "general"),
      message("m2", "general", { deleted: true }),
      message("m3", "general"),
    );
    expect(targetMessage(s)?.id).toBe("m3");
    pickMessage(s, -1);
    expect(s.selected).toBe("m3");
    pickMessage(s, -1);
    expect(s.selected).toBe("m1");
    pickMessage(s, -1);
    expect(s.selected).toBe("m1");
    expect(targetMessage(s)?.id).toBe("m1");
    pickMessage(s, 1);
    pickMessage(s, 1);
    expect(s.selected).toBeNull();
    expect(targetMessage(s)?.id).toBe("m3");
  });

  test("with no messages shown there is nothing to pick or act on", () => {
    const s = shownWith(message("m1", "general", { deleted: true }));
    pickMessage(s, -1);
    expect(s.selected).toBeNull();
    s.currentId = null;
    expect(targetMessage(s)).toBeUndefined();
  });

  test("Esc leaves the innermost thing first: an edit, then the notifications, a thread, a picked message, a passing line", () => {
    const s = shownWith(message("m1", "general"));
    s.input = { text: "fix", cursor: 3, editing: "m1" };
    s.mode = "notifications";
    s.thread = { root: message("m1", "general"), replies: [] };
    s.selected = "m1";
    s.flash = { text: "done", error: false };
    const steps: string[] = [];
    for (let i = 0; i < 5; i++) {
      closeInnermost(s);
      steps.push(
        [
          s.input.editing ?? "-",
          s.mode,
          s.thread ? "thread" : "-",
          s.selected ?? "-",
          s.flash ? "flash" : "-",
        ].join(" "),
      );
    }
    expect(steps).toEqual([
      "- notifications thread m1 flash",
      "- chat thread m1 flash",
      "- chat - m1 flash",
      "- chat - - flash",
      "- chat - - -",
    ]);
    expect(s.input).toEqual({ text: "", cursor: 0, editing: null });
  });

  test("Ctrl-N/P step through joined channels then DMs, wrapping around; channels not joined are skipped", () => {
    const s = initialState(me);
    s.channels = [item("general"), { ...item("lurk"), isMember: false }, item("random")];
    s.dms = [item("dm-bob", "dm")];
    s.currentId = "general";
    expect(sidebarStep(s, 1)?.id).toBe("random");
    expect(sidebarStep(s, -1)?.id).toBe("dm-bob");
    s.currentId = "dm-bob";
    expect(sidebarStep(s, 1)?.id).toBe("general");
    expect(sidebarStep(initialState(me), 1)).toBeUndefined();
  });

  test("Ctrl-O goes to the next community, wrapping around, and nowhere with only one", () => {
    const s = initialState(me);
    const community = (slug: string) => ({ slug }) as TuiState["communities"][number];
    s.communities = [community("acme"), community("beta")];
    s.community = "beta";
    expect(nextCommunity(s)?.slug).toBe("acme");
    s.communities = [community("beta")];
    expect(nextCommunity(s)).toBeUndefined();
  });
});

describe("terminal lines", () => {
  test("wrap breaks between words, indents continuations, and splits words longer than a line", () => {
    const lines = wrap([{ text: "the quick brown fox jumps" }], 12, 2).map((l) =>
      l.map((s) => s.text).join(""),
    );
    expect(lines).toEqual(["the quick ", "  brown fox ", "  jumps"]);
    const long = wrap([{ text: "abcdefghijklmnop" }], 6).map((l) => l.map((s) => s.text).join(""));
    expect(long).toEqual(["abcdef", "ghijkl", "mnop"]);
  });

  test("fit cuts with an ellipsis or pads to the exact width", () => {
    expect(
      fit([{ text: "general-announcements" }], 8)
        .map((s) => s.text)
        .join(""),
    ).toBe("general…");
    expect(
      fit([{ text: "dev" }], 5)
        .map((s) => s.text)
        .join(""),
    ).toBe("dev  ");
  });
});
