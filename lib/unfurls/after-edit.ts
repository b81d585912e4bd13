import type { MessageRow } from "../messages/views.ts";
import type { LinkPreview } from "./card.ts";
import { firstLink } from "./first-link.ts";

/**
 * What an edit does to a message's preview: the card stays while the first link is the same; a
 * changed or removed link drops it, and a new link wants a card (`unfurl`), unless the author
 * removed the preview for good.
 */
export function previewAfterEdit(message: MessageRow, bodyMd: string) {
  const link = firstLink(bodyMd);
  const card = message.preview as LinkPreview | null;
  const keep = card !== null && link === card.url;
  return { preview: keep ? card : null, unfurl: !keep && link !== undefined && !message.previewRemovedAt };
}
