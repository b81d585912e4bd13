// Desktop notifications while the tab is hidden (the title's unread count is drawn by the server).

/** A desktop notification for what the server says may ring, only while this tab is hidden. */
export function showDesktop(detail: { data?: string } | undefined) {
  if (document.visibilityState !== "hidden" || !detail?.data) return;
  if (window.Notification?.permission !== "granted") return;
  const d = JSON.parse(detail.data) as { title: string; body: string; tag: string; url: string };
  const shown = new Notification(d.title, { body: d.body, tag: d.tag });
  shown.onclick = () => {
    window.focus();
    location.href = d.url;
    shown.close();
  };
}

/** Asks for permission from the settings button (browsers allow it only on a click), which says the answer. */
export async function askDesktopPermission(button: HTMLElement) {
  const answer = "Notification" in window ? await Notification.requestPermission() : "absent";
  button.textContent = button.dataset[answer === "default" ? "denied" : answer] ?? "";
}
