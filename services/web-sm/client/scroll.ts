import { $, $$ } from "./dom.ts";

// Elements are looked up each time: a resync redraws the whole pane. The history is laid out from its
// end (CSS), which it opens at and follows by itself; its scroll top of 0 is that end.
export const scrollToEnd = () => $("#scroller")?.scrollTo({ top: 0, behavior: "smooth" });

/** Marks the newest message shown read while the page is seen; `#read-mark` posts it once swaps settle. */
export function markRead() {
  const mark = $<HTMLInputElement>("#read-mark");
  const shown = $$("#messages > .msg:not(.deleted)").map((m) => m.id.slice(4));
  const newest = shown.sort().at(-1);
  if (!mark || !newest || document.hidden || newest <= mark.value) return;
  mark.value = newest;
  mark.dispatchEvent(new Event("read"));
}

/** Opens the history at the linked message, else at the "new messages" line (else at its end). */
export function openHistory() {
  document.addEventListener("visibilitychange", markRead);
  const target = (location.hash && document.getElementById(location.hash.slice(1))) || $(".new-divider");
  target?.scrollIntoView({ block: "center" });
}
