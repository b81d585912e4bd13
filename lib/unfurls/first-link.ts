import type { Token } from "marked";
import { lexMarkdown } from "../markdown/parse.ts";

// What any http(s) link's source holds: its scheme, or `www.` (a bare link GFM makes http), or an
// entity that could spell either. A body with none of them has no link, and is not lexed: most
// messages have none, and every post asks.
const MAY_LINK = /https?:|www\.|&/i;

/**
 * The first http(s) link of a message as its reader sees it: autolinks, bare URLs and
 * `[text](url)`, never one inside code. Undefined when there is none.
 */
export function firstLink(md: string): string | undefined {
  if (!MAY_LINK.test(md)) return undefined;
  const walk = (tokens: Token[]): string | undefined => {
    for (const t of tokens) {
      if (t.type === "code" || t.type === "codespan") continue;
      if (t.type === "link" && /^https?:\/\//i.test(t.href) && URL.canParse(t.href))
        return new URL(t.href).href;
      const children = "tokens" in t && Array.isArray(t.tokens) ? t.tokens : undefined;
      const found = children ? walk(children) : undefined;
      if (found) return found;
      if (t.type === "list") {
        for (const item of t.items as Token[]) {
          const inItem = walk([item]);
          if (inItem) return inItem;
        }
      }
    }
    return undefined;
  };
  return walk(lexMarkdown(md));
}
