// Getting the reader's attention when the tab is hidden: desktop notifications (with permission)
// and the unread count in the tab's title and icon.
import { $, $$ } from "./dom.ts";

interface Desktop {
  title: string;
  body: string;
  tag: string;
  url: string;
}

const baseTitle = document.title;

/** A desktop notification for what the server says may ring, only while this tab is hidden. */
export function showDesktop(detail: { data?: string } | undefined) {
  if (document.visibilityState !== "hidden" || !("Notification" in window)) return;
  if (Notification.permission !== "granted" || !detail?.data) return;
  const d = JSON.parse(detail.data) as Desktop;
  const shown = new Notification(d.title, { body: d.body, tag: d.tag });
  shown.onclick = () => {
    window.focus();
    location.href = d.url;
    shown.close();
  };
}

/** Asks for permission from the settings button (browsers allow it only on a click). */
export async function askDesktopPermission(button: HTMLButtonElement) {
  if (!("Notification" in window)) {
    button.textContent = "This browser has no desktop notifications";
    return;
  }
  const answer = await Notification.requestPermission();
  button.textContent =
    answer === "granted" ? "Desktop notifications are on" : "Desktop notifications are blocked";
}

/**
 * The tab's title and icon carry the count: "(3)" for unread notifications (mentions, DMs), "•"
 * when only channels have unread messages; muted channels weigh nothing (their badges say 0).
 */
export function showUnreadInTab() {
  const notes = Number($("#bell-count")?.textContent ?? "0") || 0;
  const unread = $$(".sidebar .badge.unread").length > 0;
  const prefix = notes ? `(${notes}) ` : unread ? "• " : "";
  document.title = `${prefix}${baseTitle}`;
  const label = notes ? (notes > 99 ? "99+" : String(notes)) : unread ? "•" : "";
  let icon = $<HTMLLinkElement>("link[rel=icon]");
  if (!icon) {
    icon = document.createElement("link");
    icon.rel = "icon";
    document.head.append(icon);
  }
  icon.href = label ? faviconWith(label) : "data:,";
}

function faviconWith(label: string) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#e01e5a"/><text x="16" y="21" font-size="${label.length > 2 ? 11 : 15}" font-family="sans-serif" font-weight="bold" fill="#fff" text-anchor="middle">${label}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
