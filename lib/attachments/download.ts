import type { AttachmentRow } from "./access.ts";
import { displayType, opensInline } from "./content-types.ts";

// RFC 5987 attr-char: encodeURIComponent leaves these four unescaped, the header grammar does not.
const encodeExtValue = (s: string) =>
  encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The headers of a download: the display type (never HTML or SVG), `inline` only for safe raster
 * images, the filename in UTF-8 with an ASCII fallback, and a sandboxing CSP with nosniff so no
 * upload can run as a page of our origin.
 */
export function downloadHeaders(attachment: AttachmentRow, size: number): Record<string, string> {
  const disposition = opensInline(attachment.contentType) ? "inline" : "attachment";
  const fallback = attachment.filename.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return {
    "Content-Type": displayType(attachment.contentType),
    "Content-Length": String(size),
    "Content-Disposition": `${disposition}; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(attachment.filename)}`,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "private, no-store",
  };
}
