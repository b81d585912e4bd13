import { $, $$, post } from "./dom.ts";

const scroller = $("#scroller");
const messages = $("#messages");
let lastRead = scroller?.dataset.lastRead ?? "";
let readTimer = 0;
let stick = true;

export const scrollToBottom = (smooth: boolean) =>
  scroller?.scrollTo({ top: scroller.scrollHeight, behavior: smooth ? "smooth" : "auto" });

/** Marks the newest message shown read while the page is seen: looking at a channel keeps it read. */
function markRead() {
  clearTimeout(readTimer);
  readTimer = window.setTimeout(() => {
    if (!messages || document.visibilityState !== "visible") return;
    const newest = $$(":scope > .msg:not(.deleted)", messages)
      .map((m) => m.id.slice(4))
      .sort()
      .at(-1);
    if (!newest || newest <= lastRead) return;
    lastRead = newest;
    post(`/api/channels/${scroller?.dataset.channel}/read`, { message_id: newest });
  }, 300);
}

/** After htmx changed the page (a message arrived): still at the end if the reader was, and read. */
export function followMessages() {
  if (stick) scrollToBottom(false);
  markRead();
}

/** Opens the history at the linked message, else the "new messages" line, else the end. */
export function openHistory() {
  if (!scroller || !messages) return;
  const jump = $(".jump-latest");
  const onScroll = () => {
    stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
    if (jump) jump.hidden = stick;
  };
  scroller.addEventListener("scroll", onScroll, { passive: true });
  document.addEventListener("visibilitychange", markRead);
  const target =
    (location.hash && document.getElementById(location.hash.slice(1))) || $(".new-divider", messages);
  if (target) target.scrollIntoView({ block: "center" });
  else scrollToBottom(false);
  markRead();
}
