import { $, $$, post } from "./dom.ts";

// Elements are looked up each time: a resync redraws the whole pane.
const scroller = () => $("#scroller");
let readTimer = 0;
let stick = true;

export function scrollToBottom(smooth: boolean) {
  const box = scroller();
  box?.scrollTo({ top: box.scrollHeight, behavior: smooth ? "smooth" : "auto" });
}

/** Marks the newest message shown read while the page is seen: looking at a channel keeps it read. */
function markRead() {
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

/** After htmx changed the page (a message arrived): still at the end if the reader was, and read. */
export function followMessages() {
  if (stick) scrollToBottom(false);
  markRead();
}

// Whether the reader was at the end before htmx changed the page: then it follows the new end.
document.addEventListener("htmx:before:swap", () => {
  const box = scroller();
  stick = !box || box.scrollHeight - box.scrollTop - box.clientHeight < 120;
});

/** Opens the history at the linked message, else the "new messages" line, else the end. */
export function openHistory() {
  document.addEventListener("visibilitychange", markRead);
  const target = (location.hash && document.getElementById(location.hash.slice(1))) || $(".new-divider");
  if (target) target.scrollIntoView({ block: "center" });
  else scrollToBottom(false);
  markRead();
}
