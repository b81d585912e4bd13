import type { Db } from "../db/client.ts";
import { newestPagesAnswered } from "../metrics/metrics.ts";
import { listHistory } from "./history.ts";
import type { MessageView } from "./views.ts";

// What one server holds: the newest pages of the channels read most lately, up to this many pages
// and about this many characters of JSON in all (a page of 50 is 20–60k; the views of messages with
// reactions, held as objects, take a few times their JSON). A page of long messages larger than a
// share of that is answered but not held, so no one request empties what is held.
const MAX_PAGES = 400;
const MAX_CHARS = 4_000_000;
const MAX_PAGE_CHARS = MAX_CHARS / 8;
/** Pages of this many messages or fewer are held: the web and the terminal read 50, the CLI 20 by default. */
export const HELD_LIMIT = 50;

interface HeldPage {
  /** The channel's history version the page was read at or after (see historyVersions). */
  version: string;
  hasMore: boolean;
  /**
   * Each message as JSON text, or its view where it has reactions: `reacted_by_me` is the reader's,
   * so those are written out for each reader.
   */
  items: (string | MessageView)[];
  chars: number;
}

/**
 * The newest page of a channel's history, the page nearly every channel switch opens, held as JSON
 * and answered again while the channel's history version is the one it was read at. The version
 * comes with the access check, so a page answered from here costs that one statement. A page is only
 * held after the version was read, so it is never older than its version says: a change that lands
 * between the two only makes the next reader read it again.
 */
export class NewestPages {
  readonly #pages = new Map<string, HeldPage>();
  #chars = 0;

  /** The newest `limit` messages of a channel the reader may read (the caller checked), as the response. */
  async respond(db: Db, readerId: string, channelId: string, limit: number, version: string) {
    const key = `${channelId}/${limit}`;
    let page = this.#pages.get(key);
    if (page?.version === version) {
      // Most lately used last, so the first is the one to let go.
      this.#pages.delete(key);
      this.#pages.set(key, page);
      newestPagesAnswered.inc({ from: "held" });
    } else {
      const read = await listHistory(db, readerId, channelId, { limit });
      page = this.#held(read.items, read.has_more, version);
      if (page.chars <= MAX_PAGE_CHARS) this.#hold(key, page);
      newestPagesAnswered.inc({ from: "read" });
    }
    const items = page.items.map((m) => (typeof m === "string" ? m : JSON.stringify(readBy(m, readerId))));
    return new Response(`{"items":[${items.join(",")}],"has_more":${page.hasMore}}`, {
      headers: { "Content-Type": "application/json;charset=utf-8", "Cache-Control": "private, no-store" },
    });
  }

  #held(views: MessageView[], hasMore: boolean, version: string): HeldPage {
    let chars = 0;
    const items = views.map((m) => {
      const json = JSON.stringify(m);
      chars += json.length;
      return m.reactions.length > 0 ? m : json;
    });
    return { version, hasMore, items, chars };
  }

  #hold(key: string, page: HeldPage) {
    this.#drop(key);
    this.#pages.set(key, page);
    this.#chars += page.chars;
    for (const [oldest] of this.#pages) {
      if (this.#pages.size <= MAX_PAGES && this.#chars <= MAX_CHARS) break;
      this.#drop(oldest);
    }
  }

  #drop(key: string) {
    const page = this.#pages.get(key);
    if (!page) return;
    this.#pages.delete(key);
    this.#chars -= page.chars;
  }
}

/** The view as `readerId` sees it: whether they reacted with each emoji. */
function readBy(m: MessageView, readerId: string): MessageView {
  return {
    ...m,
    reactions: m.reactions.map((r) => ({ ...r, reacted_by_me: r.user_ids.includes(readerId) })),
  };
}
