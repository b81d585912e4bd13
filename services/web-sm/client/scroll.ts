import { $, $$, post } from "./dom.ts";

// Elements are looked up each time: a resync redraws the whole pane. The history is laid out from its
// end (CSS), which it opens at and follows by itself; its scroll top of 0 is that end.
const scroller = () => $("#scroller");
let readTimer = 0;

export const scrollToEnd = () => scroller()?.scrollTo({ top: 0, behavior: "smooth" });

/** Marks the newest message shown read while the page is seen: looking at a channel keeps it read. */
export function markRead() {
  clearTimeout(readTimer);
  readTimer = window.setTimeout(() => {
    const box = scroller();
    const newest = $$("#messages > .msg:not(.deleted)")
      .map((m) => m.id.slice(4))
      .sort()
      .at(-1);
    if (!box || !newest || document.hidden || newest <= (box.dataset.lastRead ?? "")) return;
    box.dataset.lastRead = newest;
    post(`/api/channels/${box.dataset.channel}/read`, { message_id: newest });
  }, 300);
}

/** Opens the history at the linked message, else at the "new messages" line (else at its end). */
export function openHistory() {
  document.addEventListener("visibilitychange", markRead);
  const target = (location.hash && document.getElementById(location.hash.slice(1))) || $(".new-divider");
  target?.scrollIntoView({ block: "center" });
  markRead();
}
