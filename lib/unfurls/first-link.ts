import type { Token } from "marked";
import { lexMarkdown } from "../markdown/parse.ts";

/**
 * The first http(s) link of a message as its reader sees it: autolinks, bare URLs and
 * `[text](url)`, never one inside code. Undefined when there is none.
 */
export function firstLink(md: string): string | undefined {
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
