import { autocomplete, autocompleteKeys, closeAutocomplete } from "./autocomplete.ts";

const inputOf = (form: HTMLFormElement) => form.elements.namedItem("body") as HTMLTextAreaElement;
const draftKey = (form: HTMLFormElement) => `draft:${form.dataset.channel}:${form.dataset.parent ?? ""}`;

/** A file, with a progress bar (fetch cannot report an upload's progress); the message comes back live. */
function upload(form: HTMLFormElement, file: File) {
  const bar = form.querySelector("progress") as HTMLProgressElement;
  const data = new FormData();
  data.set("body_md", inputOf(form).value.trim() || file.name);
  data.set("client_msg_id", crypto.randomUUID());
  data.set("file", file);
  if (form.dataset.parent) data.set("parent_id", form.dataset.parent);
  const xhr = Object.assign(new XMLHttpRequest(), { responseType: "json" });
  xhr.open("POST", `/api/channels/${form.dataset.channel}/attachments`);
  // A form's size is known before it is sent, so its progress always has a total.
  xhr.upload.onprogress = (e) => Object.assign(bar, { value: (e.loaded / e.total) * 100 });
  xhr.onloadend = () => {
    const ok = xhr.status >= 200 && xhr.status < 300;
    bar.hidden = true;
    const alert = form.querySelector("[role=alert]") as HTMLElement;
    alert.textContent = ok ? "" : (xhr.response?.error?.message ?? `upload failed (${xhr.status})`);
    if (ok) form.dispatchEvent(new Event("sent"));
  };
  [bar.hidden, bar.value] = [false, 0];
  xhr.send(data);
}

/** Files dragged over the pane (while it has a message box) show it, and go up when dropped there. */
function uploadDropped(e: DragEvent) {
  const form = document.querySelector<HTMLFormElement>("#composer");
  const pane = form && (e.target as Element).closest("#pane");
  if (!pane || !e.dataTransfer?.types.includes("Files")) return;
  e.preventDefault();
  pane.classList.toggle("dragging", e.type === "dragover");
  for (const f of e.type === "drop" ? e.dataTransfer.files : []) upload(form, f);
}
for (const type of ["dragover", "dragleave", "drop"] as const) document.addEventListener(type, uploadDropped);

/** The message box: Enter sends, Shift+Enter breaks the line, a draft per channel, files. */
export function setupComposer(form: HTMLFormElement) {
  form.dataset.ready = "1";
  const input = inputOf(form);
  input.value ||= sessionStorage.getItem(draftKey(form)) ?? "";
  input.addEventListener("input", () => {
    sessionStorage.setItem(draftKey(form), input.value);
    autocomplete(input);
    // Said at once, not at the typing throttle's next turn (views/channel.ts: composer).
    if (!input.value.trim()) input.dispatchEvent(new Event("typing-stop"));
  });
  input.addEventListener("keydown", (e) => {
    if (autocompleteKeys(input, e) || e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    if (input.value.trim()) form.requestSubmit();
  });
  // Sent (the server says so, and stopped the typing line; or an upload went up): the box empties.
  form.addEventListener("sent", () => {
    input.value = "";
    sessionStorage.removeItem(draftKey(form));
    closeAutocomplete(input);
  });
  const files = form.elements.namedItem("file") as HTMLInputElement;
  files.addEventListener("change", () => {
    for (const f of files.files ?? []) upload(form, f);
    files.value = "";
  });
}
