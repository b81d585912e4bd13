import { emojiByName } from "../emoji/shortcodes.ts";

// What payload.ts reads; everything else in a payload is named in a warning.
const READ = new Set([
  "text",
  "username",
  "avatar_url",
  "icon_url",
  "icon_emoji",
  "mrkdwn",
  "attachments",
  "blocks",
  "key",
  "thread_key",
]);
const SHOWN_BLOCKS = new Set(["header", "section", "divider", "context", "image"]);
const READ_IN_ATTACHMENTS = new Set([
  "fallback",
  "color",
  "pretext",
  "author_name",
  "author_link",
  "author_icon",
  "title",
  "title_link",
  "text",
  "fields",
  "image_url",
  "thumb_url",
  "footer",
  "footer_icon",
  "ts",
  "blocks",
  // Slack's own switch for which fields are mrkdwn: we read them all as mrkdwn anyway.
  "mrkdwn_in",
]);

// Slack fields people send on purpose, with what happens instead.
const WHY_IGNORED: Record<string, string> = {
  channel: "a webhook posts only into its own channel",
  unfurl_links: "a link gets a preview unless the community turned them off (`false` turns it off)",
  unfurl_media: "link previews follow the community's setting",
  link_names: "@names are always linked",
  parse: "text is always read as mrkdwn (or plain with `mrkdwn: false`)",
  thread_ts: "use `thread_key` to thread a webhook's posts",
  reply_broadcast: "use `thread_key` to thread a webhook's posts",
  as_user: "a webhook always posts as itself",
  response_type: "that is a slash command reply's field",
  replace_original: "that is a slash command reply's field",
  delete_original: "that is a slash command reply's field",
};

const record = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function blockWarnings(blocks: unknown, at: string): string[] {
  if (!Array.isArray(blocks)) return [];
  return blocks.flatMap((b, i) => {
    if (!record(b)) return [];
    if (!SHOWN_BLOCKS.has(String(b.type))) return [`\`${at}[${i}]\` of type \`${b.type}\` is not shown`];
    const accessory = b.accessory;
    if (record(accessory) && accessory.type !== "image")
      return [`\`${at}[${i}].accessory\` of type \`${accessory.type}\` is not shown`];
    return [];
  });
}

/**
 * What a (valid) payload asks for that is not done here, one sentence each: Slack fields we ignore,
 * block kinds we do not draw, an emoji we do not know. Empty when everything is honoured.
 */
export function payloadWarnings(payload: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(payload)) {
    if (READ.has(key)) continue;
    // `unfurl_links: false` is honoured (no preview); only asking for one is moot.
    if (key === "unfurl_links" && payload[key] === false) continue;
    const why = WHY_IGNORED[key];
    out.push(why ? `\`${key}\` is ignored: ${why}` : `unknown field \`${key}\` is ignored`);
  }
  out.push(...blockWarnings(payload.blocks, "blocks"));
  const attachments = Array.isArray(payload.attachments) ? payload.attachments : [];
  for (const [i, a] of attachments.entries()) {
    if (!record(a)) continue;
    for (const key of Object.keys(a)) {
      if (!READ_IN_ATTACHMENTS.has(key)) out.push(`\`attachments[${i}].${key}\` is ignored`);
    }
    out.push(...blockWarnings(a.blocks, `attachments[${i}].blocks`));
  }
  const emoji = payload.icon_emoji;
  if (typeof emoji === "string" && emoji && !emojiByName(emoji))
    out.push(`\`icon_emoji\` ${emoji} is not an emoji we know: the webhook's avatar shows`);
  for (const field of ["icon_url", "avatar_url"]) {
    const url = payload[field];
    if (typeof url === "string" && url && !/^https?:\/\//i.test(url))
      out.push(`\`${field}\` is not an http(s) URL: ignored`);
  }
  return out;
}
