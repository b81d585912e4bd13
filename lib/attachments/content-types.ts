// Types a browser shows without running anything of the file's own: no HTML, no SVG (it can carry
// script), no PDF (viewers run script too), nothing it would sniff into one of those.
const DISPLAYABLE = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "text/plain",
  "audio/mpeg",
  "audio/ogg",
  "audio/wav",
  "audio/webm",
  "video/mp4",
  "video/webm",
  "video/ogg",
]);
const INLINE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/**
 * The type to show a file as: its declared type when it is on the short list of safe display
 * types, `application/octet-stream` otherwise. The declared type is kept in the row; this is only
 * for display decisions and the download's Content-Type.
 */
export function displayType(contentType: string): string {
  const essence = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return DISPLAYABLE.has(essence) ? essence : "application/octet-stream";
}

/** Whether a download may open in the browser (safe raster images) rather than save to disk. */
export const opensInline = (contentType: string) => INLINE.has(displayType(contentType));
