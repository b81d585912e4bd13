import type { ApiClient } from "../../client/api-client.ts";
import { AppError } from "../../errors.ts";
import { emojiOf } from "../emoji.ts";
import { draft, emptyInput, messageText } from "./editor.ts";
import { targetMessage } from "./navigation.ts";
import { applyEvent, type TuiState } from "./state.ts";

/** What an action may do to the TUI besides calling the API. */
export interface Controller {
  readonly state: TuiState;
  readonly client: ApiClient;
  draw(): void;
  flash(text: string, error?: boolean): void;
  fail(err: unknown): void;
  open(channelId: string): Promise<void>;
  markRead(channelId: string): void;
  reloadLists(): Promise<void>;
  stopTyping(): void;
  quit(): void;
}

/** Enter: a slash command, a reaction (`+👍`), an edit, a thread reply or a message. */
export async function submit(c: Controller) {
  const s = c.state;
  const text = messageText(s.input);
  const editing = s.input.editing;
  if (!text || !s.currentId) return;
  s.input = emptyInput();
  c.stopTyping();
  c.draw();
  if (text === "/quit" || text === "/exit") return c.quit();
  if (editing) {
    await c.client.editMessage(editing, text).then(
      (m) => applyEvent(s, { event: "message.updated", data: { data: { message: m } } }),
      (err) => c.fail(err),
    );
    return c.draw();
  }
  if (/^\+\S+$/.test(text)) return react(c, text.slice(1));
  if (text.startsWith("/")) return command(c, text);
  const parent = s.thread?.root.id ?? null;
  const channel = s.thread?.root.channel_id ?? s.currentId;
  try {
    const m = await c.client.postMessage(channel, {
      body_md: text,
      parent_id: parent,
      client_msg_id: `tui-${Bun.randomUUIDv7()}`,
    });
    applyEvent(s, { event: "message.created", data: { data: { message: m } } });
    if (!parent) c.markRead(channel);
    s.scroll = 0;
    c.draw();
  } catch (err) {
    s.input = draft(text);
    c.fail(err);
  }
}

/** `+name`: toggles the reaction on the picked (or newest) message. */
async function react(c: Controller, name: string) {
  const target = targetMessage(c.state);
  if (!target) return;
  const emoji = emojiOf(name);
  const mine = target.reactions.some((r) => r.emoji === emoji && r.reacted_by_me);
  try {
    await c.client.react(target.id, emoji, !mine);
    // The event the stream will also bring (applying it twice changes nothing).
    applyEvent(c.state, {
      event: mine ? "reaction.removed" : "reaction.added",
      data: { data: { message_id: target.id, emoji, user_id: c.state.me.id } },
    });
    c.draw();
  } catch (err) {
    c.fail(err);
  }
}

/** A slash command, its reply flashed; a channel it joined or a DM it opened is shown. */
async function command(c: Controller, text: string) {
  const s = c.state;
  try {
    const result = await c.client.runCommand(s.thread?.root.channel_id ?? (s.currentId as string), text);
    const joined = result.effects.find((e) => e.type === "channel.joined" || e.type === "dm.opened");
    if (result.effects.length) await c.reloadLists();
    if (joined && typeof joined.channel_id === "string") await c.open(joined.channel_id);
    const reply = result.reply_md.replace(/[*_`]/g, "").trim();
    c.flash(reply || "done");
  } catch (err) {
    c.flash(err instanceof AppError ? err.message.replace(/\n/g, " — ") : String(err), true);
  }
}

/** Ctrl-T: the thread of the picked (or newest) message, beside the channel. */
export async function openThread(c: Controller) {
  const root = targetMessage(c.state);
  if (!root) return;
  const page = await c.client.replies(root.id, { limit: 200 });
  c.state.thread = { root, replies: page.items };
  c.state.mode = "chat";
  c.draw();
}

/** Ctrl-G: the notification list, shown or closed; showing it marks them all read. */
export async function toggleNotifications(c: Controller) {
  const s = c.state;
  if (s.mode === "notifications") {
    s.mode = "chat";
    return c.draw();
  }
  const page = await c.client.notifications({ limit: 50 });
  s.notifications = page.items;
  s.mode = "notifications";
  c.draw();
  if (page.unread_count > 0) {
    await c.client.markNotificationsRead({ all: true });
    s.unreadNotifications = 0;
  }
}
