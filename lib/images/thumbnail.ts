import { invalid } from "../errors.ts";
import { loadSharp } from "./load-sharp.ts";

/** Raster formats we decode; everything else (SVG above all: it can carry script) is not an image to us. */
export const RASTER_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

// A decompression bomb is refused before it is decoded: 40 megapixels is a large photo.
const MAX_PIXELS = 40_000_000;

export interface Thumbnail {
  body: Uint8Array;
  contentType: "image/webp";
  /** The thumbnail's own size. */
  width: number;
  height: number;
  /** The original's size. */
  sourceWidth: number;
  sourceHeight: number;
}

/**
 * A WebP thumbnail at most `size` pixels on its longer side (or a centred `size`×`size` square),
 * re-encoded from decoded pixels so nothing of the original file (metadata, trailing data) survives.
 * Loads sharp only when first needed, so the CLI starts without it.
 */
export async function makeThumbnail(bytes: Uint8Array, size: number, square = false): Promise<Thumbnail> {
  const sharp = await loadSharp();
  const image = sharp(bytes, { limitInputPixels: MAX_PIXELS, animated: false });
  const unreadable = () => invalid("not a PNG, JPEG, GIF or WebP image this server can read", "bad_image");
  const meta = await image.metadata().catch(() => {
    throw unreadable();
  });
  if (!["png", "jpeg", "gif", "webp"].includes(meta.format ?? "")) throw unreadable();
  const sourceWidth = meta.autoOrient?.width ?? meta.width ?? 0;
  const sourceHeight = meta.autoOrient?.height ?? meta.height ?? 0;
  const { data, info } = await image
    .rotate()
    .resize(size, size, { fit: square ? "cover" : "inside", withoutEnlargement: !square })
    .webp({ quality: 80 })
    .toBuffer({ resolveWithObject: true })
    .catch(() => {
      throw unreadable();
    });
  return {
    body: new Uint8Array(data),
    contentType: "image/webp",
    width: info.width,
    height: info.height,
    sourceWidth,
    sourceHeight,
  };
}

/**
 * Headers for an image we made ourselves (thumbnails, avatars, cached remote pictures): its key
 * changes when its content does, so it may be cached for a year; nosniff and a sandboxing CSP so it
 * can never run as a page of our origin.
 */
export function imageHeaders(contentType: string, size: number, cache: "public" | "private") {
  return {
    "Content-Type": contentType,
    "Content-Length": String(size),
    "Cache-Control": `${cache}, max-age=31536000, immutable`,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
  };
}
