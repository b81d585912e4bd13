// The page's own script: only what htmx and the browser do not do. Everything the page shows is drawn
// by the server; nothing is inline, everything is delegated from here.
import { askDesktopPermission, showDesktop } from "./attention.ts";
import { setupComposer } from "./composer.ts";
import { markRead, openHistory } from "./scroll.ts";

// The stream's state (CSS shows "reconnecting…" while it is down); connecting again means it was lost.
const live = document.getElementById("live");
const setLive = (state: string) => () => Object.assign(document.body.dataset, { live: state });
live?.addEventListener("ready", setLive("up"));
for (const lost of ["htmx:sse:error", "htmx:sse:close"]) live?.addEventListener(lost, setLive("down"));
live?.addEventListener("htmx:sse:before:connection", () => document.body.dataset.live && setLive("down")());
live?.addEventListener("desktop", (e) => showDesktop((e as CustomEvent).detail));

// What the browser finishes of what the server drew: times in the reader's own zone (the server draws
// them in UTC, the same for everyone), the zone "send later" is read in, message boxes, the read position.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
function finish() {
  for (const t of document.querySelectorAll<HTMLTimeElement>("time[datetime]:not([data-local])")) {
    const d = new Date(t.dateTime);
    t.textContent = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    t.title = d.toLocaleString();
    t.dataset.local = "1";
  }
  for (const tz of document.querySelectorAll<HTMLInputElement>("input[name=tz]")) tz.value = zone;
  for (const form of document.querySelectorAll<HTMLFormElement>("form.composer:not([data-ready])"))
    setupComposer(form);
  markRead();
}

// A popup (a profile, the reaction picker, a side panel, an edit, a command's reply) is a dialog the
// browser closes; closed, it goes. A side panel gone, the message box has the focus again.
function closed(e: Event) {
  const dialog = e.target as Element;
  if (!dialog.matches(".popup")) return;
  dialog.remove();
  if (dialog.matches(".panel")) document.getElementById("composer-input")?.focus();
}
document.addEventListener("close", closed, true);

document.addEventListener("click", (e) => {
  const at = e.target as Element;
  const copy = at.closest<HTMLAnchorElement>(".copy-link");
  // The history is laid out from its end (CSS): its scroll top of 0 is that end.
  if (at.closest(".jump-latest")) at.closest("#scroller")?.scrollTo({ top: 0, behavior: "smooth" });
  else if (at.closest(".enable-desktop")) void askDesktopPermission(at as HTMLElement);
  else if (copy && navigator.clipboard) {
    // The permalink goes to the clipboard; without one (plain http off loopback) the link just opens.
    e.preventDefault();
    void navigator.clipboard.writeText(copy.href).then(() => copy.classList.add("copied"));
  }
});

// Esc closes the narrow sidebar too (popups close themselves); Alt+↑/↓ go where the sidebar's rel says.
document.addEventListener("keydown", (e) => {
  const nav = document.getElementById("nav-open") as HTMLInputElement | null;
  const rel = e.altKey && { ArrowUp: "prev", ArrowDown: "next" }[e.key];
  if (e.key === "Escape" && nav) nav.checked = false;
  else if (rel) document.querySelector<HTMLElement>(`#sidebar a[rel~=${rel}]`)?.click();
});

// So is what htmx brings in (a thread's message box takes the focus: htmx honours autofocus).
document.addEventListener("htmx:after:swap", finish);

finish();
openHistory();
