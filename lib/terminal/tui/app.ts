import type { KeyEvent } from "@opentui/core";
import type { ApiClient } from "../../client/api-client.ts";
import { messageLink } from "../../client/views.ts";
import { loadHighlighter } from "../../markdown/terminal.ts";
import { type LiveStream, openLiveStream } from "../live-events.ts";
import { type Controller, openThread, submit, toggleNotifications } from "./actions.ts";
import { complete } from "./completion.ts";
import { editKey, editLast, type Input, paste, typedText } from "./editor.ts";
import { loadLatest, loadLists, olderPages } from "./loading.ts";
import { closeInnermost, nextCommunity, pickMessage, sidebarStep, targetMessage } from "./navigation.ts";
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
  /** `:shortcode:` drawn as the emoji (default) or kept as typed. */
  emoji?: boolean;
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
    this.state = initialState(me, this.o.emoji !== false);
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
    // A public channel not joined (a preview): its messages reach this stream only while it is shown.
    const preview = s.channels.find((c) => c.id === channelId && !c.isMember);
    void this.stream?.watch(preview ? [channelId] : []);
    // A preview shown again reloads: what came while it was not shown never reached this stream.
    if (!s.messages.has(channelId) || preview) await loadLatest(this.client, s, channelId);
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
    if (effects.flash) this.flash(effects.flash);
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
        case "x":
          return act(this.toggleMute());
      }
    } else if (key.meta && (key.name === "up" || key.name === "down")) {
      pickMessage(s, key.name === "up" ? -1 : 1);
      return this.draw();
    } else if (key.meta) {
      switch (key.name) {
        case "p":
          return act(this.togglePin());
        case "s":
          return act(this.toggleSaved());
        case "i":
          return act(this.showList("pins"));
        case "v":
          return act(this.showList("saved"));
        case "l":
          return this.showLink();
      }
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

  /** Pins the picked (or newest) message, or takes its pin off when it already had one. */
  private async togglePin() {
    const target = targetMessage(this.state);
    if (!target) return;
    const pinned = await this.client.pin(target.id, true);
    if (!pinned.changed) await this.client.pin(target.id, false);
    this.flash(pinned.changed ? "pinned to the channel" : "unpinned");
  }

  /** Saves the picked (or newest) message for you, or forgets it when it was saved. */
  private async toggleSaved() {
    const target = targetMessage(this.state);
    if (!target) return;
    const saved = await this.client.save(target.id, true);
    if (!saved.changed) await this.client.save(target.id, false);
    this.flash(saved.changed ? "saved (Alt-V lists them)" : "no longer saved");
  }

  /** The shown channel's pins, or your saved messages, in the message pane until Esc. */
  private async showList(which: "pins" | "saved") {
    const s = this.state;
    const item = current(s);
    if (which === "pins" && !item) return;
    const page = which === "pins" ? await this.client.pins(item?.id ?? "") : await this.client.saved();
    const title =
      which === "pins" ? `Pinned in ${item?.kind === "dm" ? "this DM" : `#${item?.label}`}` : "Saved";
    s.list = { title, messages: page.items.map((i) => i.message) };
    s.mode = "list";
    this.draw();
  }

  /** The picked (or newest) message's permalink, shown to copy. */
  private showLink() {
    const target = targetMessage(this.state);
    if (target) this.flash(messageLink(this.o.server, target.id));
  }

  /** Mutes the shown channel or DM for the reader, or unmutes it. */
  private async toggleMute() {
    const item = current(this.state);
    if (!item?.isMember) return;
    const c = await this.client.setNotify(item.id, { muted: !item.muted });
    item.muted = c.muted ?? false;
    if (item.muted) item.unread = 0;
    this.flash(item.muted ? "muted: no unread weight, nothing rings (mentions still count)" : "unmuted");
  }

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
