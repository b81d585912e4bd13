// A picture opens full size over the page; Esc (the dialog's own) or a click closes it.

export function setupLightbox() {
  document.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    const link = (e.target as Element).closest<HTMLAnchorElement>("a[data-lightbox]");
    if (!link) return;
    e.preventDefault();
    const dialog = document.createElement("dialog");
    dialog.className = "lightbox";
    const img = document.createElement("img");
    img.src = link.href;
    img.alt = link.querySelector("img")?.alt ?? "";
    const caption = document.createElement("p");
    caption.textContent = `${img.alt} · ${link.dataset.size ?? ""}`;
    dialog.append(img, caption);
    dialog.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  });
}
