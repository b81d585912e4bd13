// Looked up each time (a resync redraws the pane); the history opens at its end and follows it by CSS.

/** Marks the newest message shown read while the page is seen; `#read-mark` posts it once swaps settle. */
export function markRead() {
  const mark = document.getElementById("read-mark") as HTMLInputElement | null;
  const shown = [...document.querySelectorAll("#messages > .msg:not(.deleted)")].map((m) => m.id.slice(4));
  const newest = shown.sort().at(-1);
  if (!mark || !newest || document.hidden || newest <= mark.value) return;
  mark.value = newest;
  mark.dispatchEvent(new Event("read"));
}

/** Opens the history at the linked message, else at the "new messages" line (else at its end). */
export function openHistory() {
  document.addEventListener("visibilitychange", markRead);
  const linked = location.hash && document.getElementById(location.hash.slice(1));
  (linked || document.querySelector(".new-divider"))?.scrollIntoView({ block: "center" });
}
