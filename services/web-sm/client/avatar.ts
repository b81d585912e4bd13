// The avatar form on the settings page: the picture goes straight to the API (as uploads in the
// composer do), and the page is drawn again with it.
import { $ } from "./dom.ts";

document.addEventListener("submit", async (e) => {
  const form = e.target as HTMLFormElement;
  if (form.id !== "avatar-form") return;
  e.preventDefault();
  const remove = e.submitter?.getAttribute("value") === "remove";
  const body = remove ? null : new FormData(form);
  const res = await fetch("/api/me/avatar", { method: remove ? "DELETE" : "PUT", body });
  if (res.ok) return location.reload();
  const answer = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  const status = $("#avatar-status") as HTMLElement;
  status.textContent = answer?.error?.message ?? `could not save the picture (${res.status})`;
});
