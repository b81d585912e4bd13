// The avatar form on the settings page: the picture goes straight to the API (as uploads in the
// composer do), and the page is drawn again with it.

async function send(method: "PUT" | "DELETE", body?: FormData) {
  const status = document.querySelector<HTMLElement>("#avatar-status");
  const res = await fetch("/api/me/avatar", { method, body });
  if (res.ok) return location.reload();
  const answer = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (status) status.textContent = answer?.error?.message ?? `could not save the picture (${res.status})`;
}

export function setupAvatarForm() {
  const form = document.querySelector<HTMLFormElement>("#avatar-form");
  if (!form) return;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const remove = (e as SubmitEvent).submitter?.getAttribute("value") === "remove";
    void (remove ? send("DELETE") : send("PUT", new FormData(form)));
  });
}
