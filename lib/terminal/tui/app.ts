import type { KeyEvent } from "@opentui/core";
import type { ApiClient } from "../../client/api-client.ts";
import { AppError } from "../../errors.ts";
import { loadHighlighter } from "../../markdown/terminal.ts";
import { emojiOf } from "../emoji.ts";
import { type LiveStream, openLiveStream } from "../live-events.ts";
import { complete } from "./completion.ts";
import { draft, editKey, editLast, emptyInput, type Input, messageText, paste, typedText } from "./editor.ts";
import { closeInnermost, nextCommunity, pickMessage, sidebarStep, targetMessage } from "./navigation.ts";
import type { Screen } from "./screen.ts";
import {
  applyEvent,
  channelItem,
  current,
  dmItem,
  initialState,
  sidebarItems,
  type TuiState,
} from "./state.ts";
import {
  clearMessageCache,
  helpLines,
  inputLine,
  layout,
  maxScroll,
  messagePaneLines,
  sidebarLines,
  statusLine,
  threadLines,
} from "./view.ts";

export interface TuiOptions {
  client: ApiClient;
  server: string;
  /** The community to show first (the profile's), else the first one. */
  community?: string;
  screen: Screen;
  /** Rings the terminal bell (a mention arrived). */
  bell(): void;
  quit(): void;
  /** Live updates; off in benchmarks that measure only loading and drawing. */
  live?: boolean;
}

const PAGE = 50;

/** The TUI's controller: loads through the API, follows the live stream, and turns keys into actions. */
export class TuiApp {
  state!: TuiState;
  private stream: LiveStream | undefined;
  private timers: ReturnType<typeof setInterval>[] = [];
  private lastTypingSent = 0;
  /** Where "typing" was last announced, until the draft is sent or cleared. */
  private typingChannel: string | null = null;
  private flashTimer: ReturnType<typeof setTimeout> | undefined;
  /** Channels whose older page is on its way. */
  private readonly loadingOlder = new Set<string>();

  constructor(private readonly o: TuiOptions) {}

  private get client() {
    return this.o.client;
  }

  /** Loads everything the first screen shows, draws it, then goes live. */
  async start() {
    const [me, communities] = await Promise.all([this.client.me(), this.client.communities()]);
    this.state = initialState(me);
    this.state.communities = communities.items;
    this.state.community =
      communities.items.find((c) => c.slug === this.o.community)?.slug ?? communities.items[0]?.slug ?? null;
    await this.loadLists();
    const general = this.state.channels.find((c) => c.label === "general" && c.isMember);
    const first = general ?? sidebarItems(this.state)[0];
    if (first) await this.open(first.id);
    else this.draw();
    if (this.o.live === false) return;
    // Highlighting code costs ~100 ms to load: after the first frame, not before it.
    setTimeout(() => {
      loadHighlighter();
      clearMessageCache();
      this.draw();
    }, 30);
    this.stream = openLiveStream({
      server: this.o.server,
      token: this.client.token,
      community: this.state.community,
      onEvent: (event) => this.onEvent(event),
      onStatus: (status) => {
        this.state.connection = status === "live" ? "live" : status;
        this.draw();
      },
      onResumed: () => void this.refresh(),
      onFatal: (err) => this.flash(`signed out: ${err.message}`, true),
    });
    void this.client.heartbeat().catch(() => {});
    this.timers.push(setInterval(() => void this.client.heartbeat().catch(() => {}), 60_000));
    // Typing indicators expire on their own.
    this.timers.push(
      setInterval(() => {
        if (this.state.typing.size) this.draw();
      }, 1000),
    );
  }

  stop() {
    this.stream?.close();
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.flashTimer);
  }

  /** The channels and DMs of the sidebar, the members (for names and completion), the notification count. */
  private async loadLists() {
    const s = this.state;
    const slug = s.community;
    const [channels, dms, members, notifications] = await Promise.all([
      slug ? this.client.channels(slug) : Promise.resolve({ items: [] }),
      this.client.dms(),
      slug ? this.client.members(slug) : Promise.resolve({ items: [] }),
      this.client.notifications({ unread: true, limit: 50 }),
    ]);
    s.channels = channels.items.map(channelItem);
    s.dms = dms.items.map((d) => dmItem(d, s.me.id));
    s.members = members.items;
    for (const m of members.items) if (m.user.online) s.online.add(m.user.id);
    for (const d of dms.items) for (const m of d.members) if (m.online) s.online.add(m.id);
    s.notifications = notifications.items;
    s.unreadNotifications = notifications.unread_count;
  }

  /** After a reconnect or resync: lists and the shown channel again, so nothing missed stays missing. */
  private async refresh() {
    try {
      await this.loadLists();
      if (this.state.currentId) await this.loadLatest(this.state.currentId);
      this.draw();
    } catch {
      // The next reconnect tries again.
    }
  }

  private async loadLatest(channelId: string) {
    const page = await this.client.history(channelId, { limit: PAGE });
    this.state.messages.set(channelId, page.items.reverse());
    this.state.olderExists.set(channelId, page.has_more);
  }

  /** Shows a channel or DM: its history loads once, the divider marks what was unread, it becomes read. */
  async open(channelId: string) {
    const s = this.state;
    const item = [...s.channels, ...s.dms].find((i) => i.id === channelId);
    s.currentId = channelId;
    s.selected = null;
    s.scroll = 0;
    s.thread = null;
    s.divider.set(channelId, item && item.unread > 0 ? item.lastReadId : null);
    // A public channel not joined (a preview): its messages reach this stream only while it is shown.
    const preview = s.channels.find((c) => c.id === channelId && !c.isMember);
    void this.stream?.watch(preview ? [channelId] : []);
    // A preview shown again reloads: what came while it was not shown never reached this stream.
    if (!s.messages.has(channelId) || preview) await this.loadLatest(channelId);
    this.draw();
    this.markRead(channelId);
  }

  private markRead(channelId: string) {
    const s = this.state;
    const item = [...s.channels, ...s.dms].find((i) => i.id === channelId);
    const newest = s.messages.get(channelId)?.at(-1);
    if (!item || !newest) return;
    item.unread = 0;
    item.mentions = 0;
    if (item.lastReadId && item.lastReadId >= newest.id) return;
    item.lastReadId = newest.id;
    void this.client.markRead(channelId, newest.id).catch(() => {});
  }

  private onEvent(event: Parameters<typeof applyEvent>[1]) {
    const effects = applyEvent(this.state, event);
    if (effects.bell) this.o.bell();
    if (effects.markRead && this.state.currentId) this.markRead(this.state.currentId);
    if (effects.reloadLists)
      void this.loadLists().then(
        () => this.draw(),
        () => {},
      );
    this.draw();
  }

  draw() {
    const { renderer } = this.o.screen;
    const s = this.state;
    const l = layout(s, renderer.width, renderer.height);
    s.scroll = Math.min(s.scroll, maxScroll(s, l));
    this.o.screen.draw(
      {
        sidebar: l.sidebar ? sidebarLines(s, l) : [],
        messages: messagePaneLines(s, l),
        thread: threadLines(s, l),
        input: inputLine(s, l),
        status: statusLine(s, l),
        help: s.mode === "help" ? helpLines() : null,
      },
      l,
    );
  }

  private flash(text: string, error = false) {
    this.state.flash = { text: text.split("\n")[0] ?? "", error };
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => {
      this.state.flash = null;
      this.draw();
    }, 8000);
    this.draw();
  }

  private fail(err: unknown) {
    this.flash(err instanceof Error ? err.message : String(err), true);
  }

  /** Every key goes here; typing edits the input line. */
  handleKey(key: KeyEvent) {
    const s = this.state;
    if (!s) return;
    if (key.ctrl && (key.name === "c" || key.name === "q")) return this.o.quit();
    if (s.mode === "help") {
      s.mode = "chat";
      return this.draw();
    }
    if (s.completions.length && key.name !== "tab") s.completions = [];
    const act = (p: Promise<unknown>) => void p.catch((err) => this.fail(err));
    if (key.ctrl) {
      switch (key.name) {
        case "n":
          return act(this.step(1));
        case "p":
          return act(this.step(-1));
        case "o":
          return act(this.nextCommunity());
        case "t":
          return act(this.openThread());
        case "g":
          return act(this.toggleNotifications());
      }
    } else if (key.meta && (key.name === "up" || key.name === "down")) {
      pickMessage(s, key.name === "up" ? -1 : 1);
      return this.draw();
    }
    switch (!key.ctrl && key.name) {
      case "return":
      case "enter":
        // Alt+Enter is the editor's: a line break.
        if (!key.meta) return act(this.submit());
        break;
      case "escape":
        closeInnermost(s);
        return this.draw();
      case "up": {
        const last = s.input.text === "" && editLast(s.messages.get(s.currentId ?? "") ?? [], s.me.id);
        return last ? this.edit(last) : undefined;
      }
      case "pageup":
        return act(this.scrollBy(1));
      case "pagedown":
        return act(this.scrollBy(-1));
      case "tab": {
        const completion = complete(s);
        if (!completion) return;
        s.completions = completion.completions;
        return this.edit(completion.input);
      }
    }
    if (key.sequence === "?" && s.input.text === "" && s.mode === "chat") {
      s.mode = "help";
      return this.draw();
    }
    const next = editKey(s.input, key);
    if (!next) return;
    this.edit(next);
    if (typedText(key)) this.typing();
  }

  paste(text: string) {
    this.edit(paste(this.state.input, text));
  }

  /** The input becomes `next`; an edit that changed nothing draws nothing. */
  private edit(next: Input) {
    if (next === this.state.input) return;
    this.state.input = next;
    if (next.text.trim() === "") this.stopTyping();
    this.draw();
  }

  private typing() {
    const s = this.state;
    if (!s.currentId || s.input.text.startsWith("/") || s.input.text.startsWith("+")) return;
    const now = Date.now();
    if (now - this.lastTypingSent < 3000) return;
    this.lastTypingSent = now;
    this.typingChannel = s.currentId;
    void this.client
      .request("POST", "/tui/typing", { channel_id: s.currentId, state: "start" })
      .catch(() => {});
  }

  /** The draft was sent or cleared: the others stop seeing "typing…" now, not when it expires. */
  private stopTyping() {
    const channel = this.typingChannel;
    if (!channel) return;
    this.typingChannel = null;
    this.lastTypingSent = 0;
    void this.client.request("POST", "/tui/typing", { channel_id: channel, state: "stop" }).catch(() => {});
  }

  private async step(by: number) {
    const next = sidebarStep(this.state, by);
    if (!next) return;
    this.state.mode = "chat";
    await this.open(next.id);
  }

  private async nextCommunity() {
    const s = this.state;
    const next = nextCommunity(s);
    if (!next) return this.flash("you are in one community");
    s.community = next.slug;
    s.currentId = null;
    await this.loadLists();
    await this.stream?.setCommunity(s.community);
    const first = sidebarItems(s)[0];
    if (first) await this.open(first.id);
    else this.draw();
  }

  private async openThread() {
    const root = targetMessage(this.state);
    if (!root) return;
    const page = await this.client.replies(root.id, { limit: 200 });
    this.state.thread = { root, replies: page.items };
    this.state.mode = "chat";
    this.draw();
  }

  private async toggleNotifications() {
    const s = this.state;
    if (s.mode === "notifications") {
      s.mode = "chat";
      return this.draw();
    }
    const page = await this.client.notifications({ limit: 50 });
    s.notifications = page.items;
    s.mode = "notifications";
    this.draw();
    if (page.unread_count > 0) {
      await this.client.markNotificationsRead({ all: true });
      s.unreadNotifications = 0;
    }
  }

  private async scrollBy(pages: number) {
    const s = this.state;
    const l = layout(s, this.o.screen.renderer.width, this.o.screen.renderer.height);
    const step = Math.max(1, l.body - 3);
    const top = maxScroll(s, l);
    s.scroll = Math.max(0, Math.min(top, s.scroll + pages * step));
    const channelId = s.currentId;
    if (pages > 0 && s.scroll >= top && channelId && s.olderExists.get(channelId)) {
      // PgUp held down asks again before the page is here: once is enough.
      if (this.loadingOlder.has(channelId)) return;
      this.loadingOlder.add(channelId);
      try {
        const oldest = s.messages.get(channelId)?.[0]?.id;
        const page = await this.client.history(channelId, { limit: PAGE, before: oldest });
        // Meanwhile the person may have changed channel, and new messages may have arrived.
        s.messages.set(channelId, [...page.items.reverse(), ...(s.messages.get(channelId) ?? [])]);
        s.olderExists.set(channelId, page.has_more);
      } finally {
        this.loadingOlder.delete(channelId);
      }
    }
    this.draw();
  }

  /** Enter: a slash command, a reaction (`+👍`), an edit, a thread reply or a message. */
  private async submit() {
    const s = this.state;
    const text = messageText(s.input);
    const editing = s.input.editing;
    if (!text || !s.currentId) return;
    s.input = emptyInput();
    this.stopTyping();
    this.draw();
    if (text === "/quit" || text === "/exit") return this.o.quit();
    if (editing) {
      await this.client.editMessage(editing, text).then(
        (m) => applyEvent(s, { event: "message.updated", data: { data: { message: m } } }),
        (err) => this.fail(err),
      );
      return this.draw();
    }
    if (/^\+\S+$/.test(text)) return this.react(text.slice(1));
    if (text.startsWith("/")) return this.command(text);
    const parent = s.thread?.root.id ?? null;
    const channel = s.thread?.root.channel_id ?? s.currentId;
    try {
      const m = await this.client.postMessage(channel, {
        body_md: text,
        parent_id: parent,
        client_msg_id: `tui-${Bun.randomUUIDv7()}`,
      });
      applyEvent(s, { event: "message.created", data: { data: { message: m } } });
      if (!parent) this.markRead(channel);
      s.scroll = 0;
      this.draw();
    } catch (err) {
      s.input = draft(text);
      this.fail(err);
    }
  }

  private async react(name: string) {
    const target = targetMessage(this.state);
    if (!target) return;
    const emoji = emojiOf(name);
    const mine = target.reactions.some((r) => r.emoji === emoji && r.reacted_by_me);
    try {
      await this.client.react(target.id, emoji, !mine);
      // The event the stream will also bring (applying it twice changes nothing).
      applyEvent(this.state, {
        event: mine ? "reaction.removed" : "reaction.added",
        data: { data: { message_id: target.id, emoji, user_id: this.state.me.id } },
      });
      this.draw();
    } catch (err) {
      this.fail(err);
    }
  }

  private async command(text: string) {
    const s = this.state;
    try {
      const result = await this.client.runCommand(s.thread?.root.channel_id ?? (s.currentId as string), text);
      const joined = result.effects.find((e) => e.type === "channel.joined" || e.type === "dm.opened");
      if (result.effects.length) await this.loadLists();
      if (joined && typeof joined.channel_id === "string") await this.open(joined.channel_id);
      const reply = result.reply_md.replace(/[*_`]/g, "").trim();
      this.flash(reply || "done");
    } catch (err) {
      this.flash(err instanceof AppError ? err.message.replace(/\n/g, " — ") : String(err), true);
    }
  }

  /** A channel by `current`: for tests and the first screen. */
  get shown() {
    return current(this.state);
  }
}
