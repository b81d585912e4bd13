import type { DeliveryJson, WebhookJson } from "../../../lib/client/views.ts";
import { html } from "../../../lib/http/html.ts";
import { avatar, timeTag } from "./message.ts";

/** A delivery as the API answers it (`GET /api/webhooks/:id/deliveries`); any integration's kind. */
export type DeliveryItem = DeliveryJson;

export interface WebhookItem extends WebhookJson {
  deliveries: DeliveryItem[];
}

/**
 * An integration's last deliveries, newest first: when, kind, status, latency and what happened
 * (the error in words, else the answer and its warnings), the masked payload under it. Generic over
 * kinds, so outgoing webhooks and slash commands show their logs with it too.
 */
export function deliveryTable(rows: DeliveryItem[]) {
  if (rows.length === 0) return html`<p class="muted">No calls yet.</p>`;
  return html`<table class="deliveries"><thead><tr><th>When</th><th>Kind</th><th>Status</th><th>Latency</th><th>What happened</th></tr></thead><tbody>${rows.map(
    (d) =>
      html`<tr class="${d.ok ? "ok" : "failed"}"><td>${timeTag(d.at)}</td><td>${d.kind}${d.dry_run ? " (dry run)" : ""}</td><td>${d.status ?? "—"}</td><td>${d.latency_ms} ms</td><td><span class="what">${d.error ?? d.response}</span>${
        d.request ? html`<details><summary>payload</summary><pre>${d.request}</pre></details>` : ""
      }</td></tr>`,
  )}</tbody></table>`;
}

/** Each live webhook: its face, a form for its name, avatar and overrides, and its log. */
export function webhookCards(slug: string, hooks: WebhookItem[]) {
  if (hooks.length === 0) return html`<p class="muted">No webhooks yet.</p>`;
  return html`<ul class="webhooks">${hooks.map(
    (
      w,
    ) => html`<li class="webhook" id="webhook-${w.id}"><h4>${avatar(w.name, w.avatar_url)} ${w.name} <span class="muted">→ #${w.channel_name} · <code>${w.id}</code></span></h4>
<form method="post" action="/settings/webhooks/${w.id}" class="stack-row"><input type="hidden" name="community" value="${slug}">
<label for="wh-name-${w.id}">Name</label><input id="wh-name-${w.id}" name="name" required maxlength="80" value="${w.name}">
<label for="wh-avatar-${w.id}">Avatar URL</label><input id="wh-avatar-${w.id}" name="avatar_url" type="url" maxlength="2000" placeholder="https://… (fetched once, kept here)">
${w.avatar_url ? html`<label><input type="checkbox" name="remove_avatar" value="1"> Remove avatar</label>` : ""}
<label><input type="checkbox" name="allow_override" value="1"${w.allow_override ? " checked" : ""}> Posts may set their own name and icon</label>
<button type="submit">Save</button></form>
<details class="webhook-log"${w.deliveries.some((d) => !d.ok) ? " open" : ""}><summary>Last calls</summary>${deliveryTable(w.deliveries)}</details></li>`,
  )}</ul>`;
}
