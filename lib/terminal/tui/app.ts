import type { KeyEvent } from "@opentui/core";
import type { ApiClient } from "../../client/api-client.ts";
import { loadHighlighter } from "../../markdown/terminal.ts";
import { type LiveStream, openLiveStream } from "../live-events.ts";
import { type Controller, openThread, submit, toggleNotifications } from "./actions.ts";
import { complete } from "./completion.ts";
import { editKey, editLast, type Input, paste, typedText } from "./editor.ts";
import { loadLatest, loadLists, olderPages } from "./loading.ts";
import { closeInnermost, nextCommunity, pickMessage, sidebarStep } from "./navigation.ts";
import type { Screen } from "./screen.ts";
import { applyEvent, current, initialState, sidebarItems, type TuiState } from "./state.ts";
import { flashLine, startClocks } from "./timers.ts";
import { typingSignal } from "./typing.ts";
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

/**
 * The TUI's controller: loads through the API, follows the live stream, and turns keys into actions
 * (`actions.ts`); what it shows is drawn from the state by `view.ts`.
 */
export class TuiApp implements Controller {
  state!: TuiState;
  private stream: LiveStream | undefined;
  private stopClocks = () => {};
  private readonly typing: ReturnType<typeof typingSignal>;
  private readonly flashes: ReturnType<typeof flashLine>;
  private readonly loadOlder: ReturnType<typeof olderPages>;

  constructor(private readonly o: TuiOptions) {
    this.typing = typingSignal(o.client);
    this.flashes = flashLine(
      () => this.state,
      () => this.draw(),
    );
    this.loadOlder = olderPages(o.client);
  }

  get client() {
    return this.o.client;
  }

  /** Loads everything the first screen shows, draws it, then goes live. */
  async start() {
    const [me, communities] = await Promise.all([this.client.me(), this.client.communities()]);
    this.state = initialState(me);
    this.state.communities = communities.items;
    this.state.community =
      communities.items.find((c) => c.slug === this.o.community)?.slug ?? communities.items[0]?.slug ?? null;
    await this.reloadLists();
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
    this.stopClocks = startClocks(
      () => this.client.heartbeat(),
      () => this.state.typing.size && this.draw(),
    );
  }

  stop() {
    this.stream?.close();
    this.stopClocks();
    this.flashes.stop();
  }

  reloadLists() {
    return loadLists(this.client, this.state);
  }

  /** After a reconnect or resync: lists and the shown channel again, so nothing missed stays missing. */
  private async refresh() {
    try {
      await this.reloadLists();
      if (this.state.currentId) await loadLatest(this.client, this.state, this.state.currentId);
      this.draw();
    } catch {
      // The next reconnect tries again.
    }
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
    if (!s.messages.has(channelId)) await loadLatest(this.client, s, channelId);
    this.draw();
    this.markRead(channelId);
  }

  markRead(channelId: string) {
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
      void this.reloadLists().then(
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

  flash(text: string, error = false) {
    this.flashes.show(text, error);
  }

  fail(err: unknown) {
    this.flash(err instanceof Error ? err.message : String(err), true);
  }

  quit() {
    this.o.quit();
  }

  stopTyping() {
    this.typing.stop();
  }

  /** Every key goes here; typing edits the input line. */
  handleKey(key: KeyEvent) {
    const s = this.state;
    if (!s) return;
    if (key.ctrl && (key.name === "c" || key.name === "q")) return this.quit();
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
          return act(openThread(this));
        case "g":
          return act(toggleNotifications(this));
      }
    } else if (key.meta && (key.name === "up" || key.name === "down")) {
      pickMessage(s, key.name === "up" ? -1 : 1);
      return this.draw();
    }
    switch (!key.ctrl && key.name) {
      case "return":
      case "enter":
        // Alt+Enter is the editor's: a line break.
        if (!key.meta) return act(submit(this));
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
    if (typedText(key)) this.typing.typed(s);
  }

  paste(text: string) {
    this.edit(paste(this.state.input, text));
  }

  /** The input becomes `next`; an edit that changed nothing draws nothing. */
  private edit(next: Input) {
    if (next === this.state.input) return;
    this.state.input = next;
    if (next.text.trim() === "") this.typing.stop();
    this.draw();
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
    await this.reloadLists();
    await this.stream?.setCommunity(s.community);
    const first = sidebarItems(s)[0];
    if (first) await this.open(first.id);
    else this.draw();
  }

  /** PgUp/PgDn: a screenful at a time; past the top, the older page loads. */
  private async scrollBy(pages: number) {
    const s = this.state;
    const l = layout(s, this.o.screen.renderer.width, this.o.screen.renderer.height);
    const step = Math.max(1, l.body - 3);
    const top = maxScroll(s, l);
    s.scroll = Math.max(0, Math.min(top, s.scroll + pages * step));
    const channelId = s.currentId;
    if (pages > 0 && s.scroll >= top && channelId && s.olderExists.get(channelId)) {
      await this.loadOlder(s, channelId);
    }
    this.draw();
  }

  /** A channel by `current`: for tests and the first screen. */
  get shown() {
    return current(this.state);
  }
}
