// The page's own script: only what htmx does not do (keys, drafts, typing, uploads, autocomplete,
// scrolling and read position). Everything the page shows is drawn by the server; nothing is
// inline, everything is delegated from here.
import { askDesktopPermission, showDesktop, showUnreadInTab } from "./attention.ts";
import { setupAvatarForm } from "./avatar.ts";
import { setupComposer, upload } from "./composer.ts";
import { $, $$ } from "./dom.ts";
import { setupLightbox } from "./lightbox.ts";
import { followMessages, openHistory, scrollToBottom } from "./scroll.ts";

const body = document.body;
setupAvatarForm();
setupLightbox();
const live = $("#live");
const setLive = (up: boolean) => () => {
  body.dataset.live = up ? "up" : "down";
  $("#conn-state")?.classList.toggle("down", !up);
};
live?.addEventListener("ready", setLive(true));
for (const name of ["htmx:sse:error", "htmx:sse:close"]) live?.addEventListener(name, setLive(false));
live?.addEventListener("desktop", (e) => showDesktop((e as CustomEvent).detail));
live?.addEventListener("htmx:sse:before:connection", (e) => {
  if ((e as CustomEvent).detail?.connection?.attempt > 0) setLive(false)();
});

/** Times in the reader's own zone (the server draws them in UTC, the same for everyone). */
function localTimes() {
  for (const t of $$<HTMLTimeElement>("time[datetime]:not([data-local])")) {
    const d = new Date(t.dateTime);
    [t.textContent, t.title] = [
      d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
      d.toLocaleString(),
    ];
    t.dataset.local = "1";
  }
}

/** Closes the reaction picker (htmx opens it beside a message's reactions); says whether one was open. */
function closePicker() {
  const open = $("#react-picker") ?? $("#profile-pop");
  open?.remove();
  return open !== null;
}

function closePanel() {
  const side = $("#side");
  if (!side?.firstElementChild) return;
  side.replaceChildren();
  $("#composer-input")?.focus();
}

document.addEventListener("click", (e) => {
  const at = e.target as Element;
  if (!at.closest("#react-picker") && !at.closest("#profile-pop")) closePicker();
  if (at.closest(".close-panel")) closePanel();
  else if (at.closest(".dismiss")) at.closest(".ephemeral-reply")?.remove();
  else if (at.closest(".cancel-edit")) at.closest(".edit-slot")?.replaceChildren();
  else if (at.closest(".cancel-scheduled"))
    void cancelScheduled(at.closest(".cancel-scheduled") as HTMLButtonElement);
  else if (at.closest(".nav-toggle")) body.classList.toggle("nav-open");
  else if (at.closest(".jump-latest")) scrollToBottom(true);
  else if (at.closest(".enable-desktop"))
    void askDesktopPermission(at.closest(".enable-desktop") as HTMLButtonElement);
  else if (at.closest(".copy-link") && navigator.clipboard) {
    // The permalink goes to the clipboard; without one (plain http off loopback) the link just opens.
    e.preventDefault();
    const link = at.closest<HTMLAnchorElement>(".copy-link") as HTMLAnchorElement;
    void navigator.clipboard.writeText(link.href).then(() => {
      link.textContent = "✓";
      link.title = "Link copied";
    });
  }
});

// Esc closes the picker, the narrow sidebar or the side panel; Alt+↑/↓ changes channel.
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !closePicker()) {
    if (body.classList.contains("nav-open")) body.classList.remove("nav-open");
    else closePanel();
  } else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
    const links = $$<HTMLAnchorElement>("#sidebar a.chan");
    const i = links.findIndex((a) => a.classList.contains("current"));
    const next = links[(i + (e.key === "ArrowUp" ? -1 : 1) + links.length) % links.length];
    if (next) location.href = next.href;
  }
});

// "New message": typing in the filter shows only the people whose name or username matches.
const filterPeople = (filter: HTMLInputElement) => {
  const q = filter.value.trim().toLowerCase().replace(/^@/, "");
  for (const li of $$<HTMLLIElement>(".people-picker li[data-name]")) {
    li.hidden = q !== "" && !(li.dataset.name ?? "").includes(q);
  }
};
document.addEventListener("input", (e) => {
  if ((e.target as Element).matches(".people-filter")) filterPeople(e.target as HTMLInputElement);
});
// What was typed before this script ran (a fast typist, a restored form) is filtered too.
const typedEarly = $<HTMLInputElement>(".people-filter");
if (typedEarly?.value) filterPeople(typedEarly);

// Files dropped on the pane go up with the message box's text.
const paneOf = (e: DragEvent) => ($("#composer") ? (e.target as Element).closest("#pane") : null);
document.addEventListener("dragover", (e) => {
  if (!e.dataTransfer?.types.includes("Files")) return;
  paneOf(e)?.classList.add("dragging");
  if (paneOf(e)) e.preventDefault();
});
document.addEventListener("dragleave", (e) => paneOf(e)?.classList.remove("dragging"));
document.addEventListener("drop", (e) => {
  const form = $<HTMLFormElement>("#composer");
  if (!paneOf(e) || !form || !e.dataTransfer?.files.length) return;
  e.preventDefault();
  paneOf(e)?.classList.remove("dragging");
  for (const f of e.dataTransfer.files) upload(form, f);
});

// What htmx brought in (live fragments, a thread, a pane redrawn after a resync): local times, the
// end of the history, the message boxes (a thread's gets the focus).
document.addEventListener("htmx:after:swap", () => {
  localTimes();
  showUnreadInTab();
  followMessages();
  const fresh = $$<HTMLFormElement>("form.composer:not([data-ready])");
  for (const form of fresh) setupComposer(form);
  if (fresh.some((f) => f.id === "thread-composer")) $("#thread-input")?.focus();
});

localTimes();
showUnreadInTab();
for (const form of $$<HTMLFormElement>("form.composer")) setupComposer(form);
openHistory();

/** Cancels a message scheduled from the composer, and says so where its button was. */
async function cancelScheduled(button: HTMLButtonElement) {
  button.disabled = true;
  const res = await fetch(`/web/scheduled/${button.dataset.id}/cancel`, { method: "POST" }).catch(() => null);
  const said = document.createElement("span");
  said.className = "muted";
  said.textContent = res?.ok ? "Cancelled." : "It could not be cancelled (already sent?).";
  button.replaceWith(said);
}
