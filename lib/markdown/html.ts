import type { Tokens } from "marked";
import sanitizeHtml from "sanitize-html";
import { escapeHtml } from "./escape-html.ts";
import { highlightCode } from "./highlight.ts";
import { chatMarked, type EmojiToken, type MentionToken } from "./parse.ts";

const SAFE_SCHEMES = ["http", "https", "mailto"];
const SAFE_HREF = /^(https?:\/\/|mailto:)/i;

const marked = chatMarked();
marked.use({
  renderer: {
    // Raw HTML typed into a message is shown as text, never passed through.
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    // Images from elsewhere would leak who reads what (and the page's CSP refuses them): a link.
    image: ({ href, text }: Tokens.Image) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
    code({ text, lang }: Tokens.Code) {
      const language =
        (lang ?? "")
          .trim()
          .split(/\s/)[0]
          ?.toLowerCase()
          .replace(/[^a-z0-9+#-]/g, "") ?? "";
      const cls = language ? ` class="language-${language}"` : "";
      return `<pre><code${cls}>${highlightCode(text, language)}</code></pre>\n`;
    },
  },
  extensions: [
    {
      name: "mention",
      renderer: (token) => {
        const name = escapeHtml((token as MentionToken).name);
        const kind = name === "here" || name === "channel" ? " mention-all" : "";
        return `<span class="mention${kind}" data-u="${name}">@${name}</span>`;
      },
    },
    {
      name: "emoji",
      renderer: (token) => {
        const t = token as EmojiToken;
        return `<span class="emoji" title=":${escapeHtml(t.name)}:">${t.emoji}</span>`;
      },
    },
  ],
});

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "input",
  ],
  allowedAttributes: {
    a: ["href", "rel", "target"],
    span: ["class", "data-u", "title"],
    code: ["class"],
    ol: ["start"],
    th: ["align"],
    td: ["align"],
    input: ["type", "checked", "disabled"],
  },
  allowedClasses: {
    span: ["mention", "mention-all", "emoji", "hl-c", "hl-s", "hl-n", "hl-k"],
    code: [/^language-[a-z0-9+#-]+$/],
  },
  allowedSchemes: SAFE_SCHEMES,
  allowedSchemesAppliedToAttributes: ["href"],
  allowProtocolRelative: false,
  disallowedTagsMode: "escape",
  transformTags: {
    // A link anywhere but the web or mail keeps its words and loses its target.
    a: (tagName, attribs) =>
      SAFE_HREF.test(attribs.href ?? "")
        ? {
            tagName,
            attribs: {
              href: attribs.href as string,
              rel: "noopener noreferrer nofollow",
              target: "_blank",
            } as Record<string, string>,
          }
        : { tagName: "span", attribs: {} as Record<string, string> },
    input: (tagName, attribs) => ({
      tagName,
      attribs: { type: "checkbox", disabled: "", ...(attribs.checked !== undefined ? { checked: "" } : {}) },
    }),
  },
};

/**
 * A message body as safe HTML: markdown rendered by marked, then cleaned by sanitize-html — no HTML
 * from the author, links only to http(s)/mailto with `rel="noopener noreferrer nofollow"`, code
 * highlighted here, mentions as `<span class="mention" data-u="name">` for the page to mark its own, `:shortcode:`
 * as the emoji (its name kept as the title).
 */
export function renderMarkdownHtml(md: string): string {
  const raw = marked.parse(md, { async: false });
  return sanitizeHtml(raw, SANITIZE);
}

/** Inline markdown only (no paragraphs), for one-line places: embed titles, fields. */
export function renderInlineMarkdownHtml(md: string): string {
  return sanitizeHtml(marked.parseInline(md, { async: false }), SANITIZE);
}
