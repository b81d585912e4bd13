import { Parser } from "htmlparser2";
import type { LinkPreviewJson } from "../client/views.ts";
import { dropControls } from "../control-chars.ts";

/** A link preview card as clients draw it; `image_url` points at our own copy of the picture. */
export type LinkPreview = LinkPreviewJson;

const MAX_TITLE = 200;
const MAX_DESCRIPTION = 400;

// Remote text reaches terminals too: control characters (escape sequences above all) are dropped.
const clip = (s: string | undefined, max: number) => {
  const t = s === undefined ? undefined : dropControls(s.replace(/\s+/g, " "), true).trim();
  if (!t) return null;
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/**
 * What a page says about itself: Open Graph (and Twitter card) tags, else `<title>` and the meta
 * description. Only the head is read. `remoteImage` is the absolute og:image URL, to be fetched
 * separately. Null when the page has no title to show.
 */
export function readCard(html: string, pageUrl: string) {
  const meta: Record<string, string> = {};
  let title = "";
  let inTitle = false;
  let done = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === "body") done = true;
        if (done) return;
        if (name === "title") inTitle = true;
        if (name === "meta") {
          const key = (attrs.property ?? attrs.name ?? "").toLowerCase();
          if (key && attrs.content !== undefined && !(key in meta)) meta[key] = attrs.content;
        }
      },
      ontext(text) {
        if (inTitle && !done) title += text;
      },
      onclosetag(name) {
        if (name === "title") inTitle = false;
        if (name === "head") done = true;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  const cardTitle = clip(meta["og:title"] ?? meta["twitter:title"] ?? title, MAX_TITLE);
  if (!cardTitle) return null;
  const image = meta["og:image"] ?? meta["og:image:url"] ?? meta["twitter:image"];
  let remoteImage: string | null = null;
  if (image && URL.canParse(image, pageUrl)) {
    const u = new URL(image, pageUrl);
    if (u.protocol === "http:" || u.protocol === "https:") remoteImage = u.href;
  }
  return {
    card: {
      url: pageUrl,
      title: cardTitle,
      description: clip(
        meta["og:description"] ?? meta["twitter:description"] ?? meta.description,
        MAX_DESCRIPTION,
      ),
      site_name: clip(meta["og:site_name"], 100) ?? new URL(pageUrl).hostname,
      image_url: null,
    } satisfies LinkPreview,
    remoteImage,
  };
}
