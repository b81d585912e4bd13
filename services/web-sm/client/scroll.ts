import { $, $$, post } from "./dom.ts";

const scroller = $("#scroller");
const messages = $("#messages");
let lastRead = scroller?.dataset.lastRead ?? "";
let readTimer = 0;

export const scrollToBottom = (smooth: boolean) =>
  scroller?.scrollTo({ top: scroller.scrollHeight, behavior: smooth ? "smooth" : "auto" });

/** Marks the newest message shown read, while the page is seen: looking at a channel keeps it read. */
function markRead() {
  clearTimeout(readTimer);
  readTimer = window.setTimeout(() => {
    if (!messages || document.visibilityState !== "visible") return;
    const ids = $$(":scope > .msg:not(.deleted)", messages).map((m) => m.id.slice(4));
    const newest = ids.sort().at(-1);
    if (!newest || newest <= lastRead) return;
    lastRead = newest;
    post(`/api/channels/${scroller?.dataset.channel}/read`, { message_id: newest });
  }, 300);
}

/** Opens the history at the linked message, the "new messages" line or the end; stays at the end as messages come. */
export function followMessages() {
  if (!scroller || !messages) return;
  const jump = $(".jump-latest");
  let stick = true;
  const onScroll = () => {
    stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
    if (jump) jump.hidden = stick;
  };
  scroller.addEventListener("scroll", onScroll, { passive: true });
  document.addEventListener("visibilitychange", markRead);
  new MutationObserver((records) => {
    const last = (n: Node) => n instanceof Element && n.matches(".msg") && !n.nextElementSibling;
    if (!records.some((r) => [...r.addedNodes].some(last))) return;
    if (stick) scrollToBottom(false);
    markRead();
  }).observe(messages, { childList: true });
  const target =
    (location.hash && document.getElementById(location.hash.slice(1))) || $(".new-divider", messages);
  if (target) target.scrollIntoView({ block: "center" });
  else scrollToBottom(false);
  markRead();
}
