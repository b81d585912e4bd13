import type { AttachmentJson, LinkPreviewJson } from "../client/views.ts";

/** An image attachment as the terminal names it, `[image 1280×720 name.png]`; undefined for other files. */
export function imageLabel(a: AttachmentJson): string | undefined {
  if (!a.content_type.startsWith("image/")) return undefined;
  const size = a.width && a.height ? ` ${a.width}×${a.height}` : "";
  return `[image${size} ${a.filename}]`;
}

/** A link preview as terminal lines: site and title, then the description. */
export function previewLines(p: LinkPreviewJson): string[] {
  return [`${p.site_name ? `${p.site_name} — ` : ""}${p.title}`, ...(p.description ? [p.description] : [])];
}
