// Getting the reader's attention when the tab is hidden: desktop notifications (with permission)
// and the unread count in the tab's title and icon.
import { $ } from "./dom.ts";

const baseTitle = document.title;

/** A desktop notification for what the server says may ring, only while this tab is hidden. */
export function showDesktop(detail: { data?: string } | undefined) {
  if (document.visibilityState !== "hidden" || !detail?.data) return;
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const d = JSON.parse(detail.data) as { title: string; body: string; tag: string; url: string };
  const shown = new Notification(d.title, { body: d.body, tag: d.tag });
  shown.onclick = () => {
    window.focus();
    location.href = d.url;
    shown.close();
  };
}

/** Asks for permission from the settings button (browsers allow it only on a click). */
export async function askDesktopPermission(button: Element) {
  const answer = "Notification" in window ? await Notification.requestPermission() : "absent";
  button.textContent =
    {
      granted: "Desktop notifications are on",
      absent: "This browser has no desktop notifications",
    }[answer as string] ?? "Desktop notifications are blocked";
}

/**
 * The tab's title and icon carry the count: "(3)" for unread notifications (mentions, DMs), "•"
 * when only channels have unread messages; muted channels weigh nothing (their badges say 0).
 */
export function showUnreadInTab() {
  const notes = Number($("#bell-count")?.textContent) || 0;
  const label = notes > 99 ? "99+" : notes ? String(notes) : $(".sidebar .badge.unread") ? "•" : "";
  document.title = `${notes ? `(${notes}) ` : label ? "• " : ""}${baseTitle}`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#e01e5a"/><text x="16" y="21" font-size="${label.length > 2 ? 11 : 15}" font-family="sans-serif" font-weight="bold" fill="#fff" text-anchor="middle">${label}</text></svg>`;
  const icon = $<HTMLLinkElement>("link[rel=icon]");
  if (icon) icon.href = label ? `data:image/svg+xml,${encodeURIComponent(svg)}` : "data:,";
}
