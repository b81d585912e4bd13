import type { EventBus } from "../../lib/bus/event-bus.ts";
import type { ApiClient } from "../../lib/client/api-client.ts";
import type { Config } from "../../lib/config.ts";
import { emojiByName } from "../../lib/emoji/shortcodes.ts";
import { invalid, isCallerError } from "../../lib/errors.ts";
import { readForm } from "../../lib/http/body.ts";
import { clientOf } from "../../lib/http/caller.ts";
import { html, htmlResponse, type SafeHtml } from "../../lib/http/html.ts";
import type { Upstream } from "../../lib/http/proxy.ts";
import type { RequestContext } from "../../lib/http/router.ts";
import { doPublishTyping } from "../../lib/live/typing.ts";
import { log } from "../../lib/log.ts";
import { isTimeZone, zonedInstant } from "../../lib/schedule/when.ts";
import { AVATAR_FORM_BYTES } from "../../lib/users/avatar-size.ts";
import type { Channel, Community, CustomCommand, Member, Message, Page, Person } from "./api-types.ts";
import type { Failure } from "./errors.ts";
import { channelIdOf, formOf, redirect } from "./forms.ts";
import { commandReply, notificationsFragment, runCommandIn, settingsPage, thread } from "./pages.ts";
import { channelPath, loadContext, loadShell } from "./shell.ts";
import {
  clientMsgId,
  commandCompletions,
  completionList,
  emojiCompletions,
  ephemeralReply,
  memberCompletions,
  messageList,
  pinsPanel,
  scheduledReply,
  sendLater,
} from "./views/channel.ts";
import { bellCount, sidebar, tabMarks, unreadElsewhere } from "./views/layout.ts";
import { editForm, markdown, profilePopover, reactionPicker } from "./views/message.ts";
import { createCommunityPage } from "./views/pages.ts";

export interface ActionDeps {
  config: Config;
  bus: EventBus;
  api: Upstream;
}

const noContent = () => new Response(null, { status: 204 });
const done = () => htmlResponse(html``);

// Plain forms, answered with a page or a redirect to one.

export async function createCommunity(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const c = await client.post<{ slug: string }>("/api/communities", { name: form.name, slug: form.slug });
  return redirect(channelPath(c.slug, "general"));
}

/** The create form again, as filled, with why it failed. */
export async function createCommunityAgain(
  req: Request,
  _ctx: RequestContext,
  deps: ActionDeps,
  failure: Failure,
) {
  return htmlResponse(createCommunityPage(failure.message, await formOf(req, deps.config)), failure.status);
}

export async function createChannel(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const slug = ctx.params.slug ?? "";
  const form = await formOf(req, deps.config);
  const c = await client.post<Channel>(`/api/communities/${encodeURIComponent(slug)}/channels`, {
    name: form.name,
    topic: form.topic || undefined,
    visibility: form.private ? "private" : "public",
  });
  return redirect(channelPath(slug, c.name));
}

export async function joinChannel(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const id = channelIdOf(ctx.params.id);
  await client.post(`/api/channels/${id}/join`);
  const c = await client.get<Channel>(`/api/channels/${id}`);
  const communities = await client.get<{ items: { id: string; slug: string }[] }>("/api/communities");
  const slug = communities.items.find((x) => x.id === c.community_id)?.slug ?? "";
  return redirect(`/c/${encodeURIComponent(slug)}/channels/${encodeURIComponent(c.name)}`);
}

/**
 * Opens the DM with one person (`user_id`) or the group DM with everyone ticked (`user:<id>`), posts
 * the first message when there is one, and goes there.
 */
export async function openDm(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const ticked = Object.keys(form).flatMap((k) => (k.startsWith("user:") ? [k.slice(5)] : []));
  const userIds = form.user_id ? [form.user_id, ...ticked] : ticked;
  if (userIds.length === 0) throw invalid("pick at least one person");
  const dm = await client.post<{ id: string }>("/api/dm", { user_ids: userIds });
  const body = (form.body ?? "").trim();
  if (body) {
    await client.post(`/api/channels/${dm.id}/messages`, {
      body_md: body,
      client_msg_id: form.client_msg_id || undefined,
    });
  }
  return redirect(`/dm/${dm.id}`);
}

export async function updateProfile(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  await client.patch("/api/me", { display_name: form.display_name });
  return redirect("/settings");
}

/** Do not disturb from settings: some minutes, or off. */
export async function setDnd(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  await client.put("/api/me/dnd", { minutes: form.minutes === "off" ? null : Number(form.minutes) });
  return redirect(`/settings?community=${encodeURIComponent(form.community ?? "")}#notifications-settings`);
}

/** One channel's notification level and mute, from settings. */
export async function setChannelNotify(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  await client.put(`/api/channels/${channelIdOf(ctx.params.id)}/notifications`, {
    notify: form.notify,
    muted: form.muted === "1",
  });
  return redirect(`/settings?community=${encodeURIComponent(form.community ?? "")}#notifications-settings`);
}

/** A slash command run from settings (bots' tokens, webhooks): its reply shows on the settings page. */
export async function settingsCommand(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const reply = await runCommandIn(client, form.community ?? "", form.text ?? "");
  return settingsPage(req, ctx, deps, { commandReply: reply });
}

/** Saves a webhook's name, avatar and overrides from its settings form. */
export async function updateWebhook(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const slug = form.community ?? "";
  const avatar =
    form.remove_avatar === "1"
      ? { avatar_url: null }
      : form.avatar_url
        ? { avatar_url: form.avatar_url }
        : {};
  await client.patch(`/api/webhooks/${encodeURIComponent(ctx.params.id ?? "")}`, {
    name: form.name,
    allow_override: form.allow_override === "1",
    ...avatar,
  });
  return redirect(
    `/settings?community=${encodeURIComponent(slug)}#webhook-${encodeURIComponent(ctx.params.id ?? "")}`,
  );
}

/** Registers a custom slash command from settings; its signing secret shows on the page this once. */
export async function createSlashCommand(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const slug = encodeURIComponent(form.community ?? "");
  const reply = await client
    .post<{ command: { name: string; url: string }; signing_secret: string; verification_token: string }>(
      `/api/communities/${slug}/commands`,
      {
        name: form.name ?? "",
        url: form.url ?? "",
        description: form.description,
        usage_hint: form.usage_hint,
      },
    )
    .then(
      (r) => ({
        ok: true,
        md: `Added **/${r.command.name}** calling ${r.command.url}. Its signing secret is shown only now:\n\n\`${r.signing_secret}\`\n\nVerification token: \`${r.verification_token}\``,
      }),
      (err: unknown) => {
        if (!isCallerError(err)) throw err;
        return { ok: false, md: err.message };
      },
    );
  return settingsPage(req, ctx, deps, { slashReply: reply });
}

/** Deletes a custom slash command from settings. */
export async function deleteSlashCommand(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const name = (form.name ?? "").replace(/^\//, "");
  const path = `/api/communities/${encodeURIComponent(form.community ?? "")}/commands/${encodeURIComponent(name)}`;
  const reply = await client.delete(path).then(
    () => ({ ok: true, md: `Deleted **/${name}**.` }),
    (err: unknown) => {
      if (!isCallerError(err)) throw err;
      return { ok: false, md: err.message };
    },
  );
  return settingsPage(req, ctx, deps, { slashReply: reply });
}

/** Makes an invite link (owners and admins) and shows it once on the settings page. */
export async function createInvite(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const slug = form.community ?? "";
  const days = Number(form.expires_days || "7");
  const uses = form.max_uses ? Number(form.max_uses) : undefined;
  const invite = await client.post<{ url: string }>(`/api/communities/${encodeURIComponent(slug)}/invites`, {
    ...(uses ? { max_uses: uses } : {}),
    ...(days > 0 ? { expires_in: Math.round(days * 86_400) } : {}),
  });
  const url = new URL(ctx.url);
  url.searchParams.set("community", slug);
  return settingsPage(req, { ...ctx, url }, deps, { newInvite: invite });
}

/** Revokes an invite link; the page shows what is left. */
export async function revokeInvite(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const slug = form.community ?? "";
  await client.delete(
    `/api/communities/${encodeURIComponent(slug)}/invites/${encodeURIComponent(ctx.params.id ?? "")}`,
  );
  return redirect(`/settings?community=${encodeURIComponent(slug)}`);
}

/** The avatar form's picture, passed on to the API, which checks and re-encodes it. */
export async function setAvatar(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  await client.put("/api/me/avatar", await readForm(req, AVATAR_FORM_BYTES));
  return redirect("/settings");
}

export async function removeAvatar(req: Request, ctx: RequestContext, deps: ActionDeps) {
  await clientOf(req, ctx, deps.api).delete("/api/me/avatar");
  return redirect("/settings");
}

export async function endSession(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  await client.delete(`/api/sessions/${encodeURIComponent(ctx.params.id ?? "")}`);
  return redirect("/settings");
}

export async function endAllSessions(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  await client.post("/api/sessions/revoke-all");
  return redirect("/login");
}

// htmx actions and fragments: what they change reaches every tab (this one too) over the live stream.

/**
 * The composer: a message, a thread reply, or — starting with `/` — a slash command whose reply
 * (or why it was refused) is drawn for this person only.
 */
export async function postMessage(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const channelId = channelIdOf(ctx.params.id);
  const form = await formOf(req, deps.config);
  const body = (form.body ?? "").trim();
  const parentId = form.parent_id || null;
  if (!body) return noContent();
  try {
    if (body.startsWith("/") && !body.startsWith("//") && !parentId) {
      const reply = await commandReply(client, channelId, body);
      const opened = reply.effects.find((e) => e.type === "dm.opened" && e.channel_id);
      if (opened) return htmlResponse(html``, 200, { "HX-Redirect": `/dm/${opened.channel_id}` });
      // A community's command answered in the channel, or with nothing: as in Slack, no note for the typer.
      if (reply.ok && !reply.md && !reply.effects.some((e) => e.type !== "message.posted"))
        return sentAnswer(html``);
      return sentAnswer(
        ephemeralReply(reply.ok ? markdown(reply.md || "Done.") : html`${reply.md}`, reply.ok),
      );
    }
    const sendAt = form.send_at_local ? sendAtOf(form.send_at_local, form.tz, deps.config) : null;
    if (sendAt && !parentId) {
      const job = await client.post<{ id: string; send_at: string }>(
        `/api/channels/${encodeURIComponent(channelId)}/messages`,
        { body_md: body, send_at: sendAt },
      );
      // The picked time is cleared, so the next message goes now unless another is picked.
      return sentAnswer(
        html`<hx-partial hx-target="#send-later" hx-swap="outerHTML">${sendLater()}</hx-partial>${ephemeralReply(scheduledReply(job), true, true)}`,
      );
    }
    await client.post(`/api/channels/${encodeURIComponent(channelId)}/messages`, {
      body_md: body,
      parent_id: parentId,
      client_msg_id: form.client_msg_id || undefined,
    });
    return sentAnswer(html``);
  } finally {
    void stopTyping(deps, client, channelId);
  }
}

/**
 * A `datetime-local` value ("2026-12-24T09:00") as an ISO time, read in the browser's zone (the
 * page's script says which), else the server's.
 */
function sendAtOf(local: string, tz: string | undefined, config: Config): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) throw invalid("send at: pick a date and a time");
  const zone = tz && isTimeZone(tz) ? tz : config.timeZone;
  const day = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  return zonedInstant(day, Number(m[4]), Number(m[5]), zone).toISOString();
}

/** Cancels a message scheduled from this box; the button says so. */
export async function cancelScheduled(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const id = ctx.params.id ?? "";
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    throw invalid("not a scheduled message's id");
  const done = await client.delete(`/api/scheduled/${id}`).then(
    () => true,
    (err) => (isCallerError(err) ? false : Promise.reject(err)),
  );
  return htmlResponse(
    html`<span class="muted">${done ? "Cancelled." : "It could not be cancelled (already sent?)."}</span>`,
  );
}

/**
 * What the box that sent a message gets back: its error line cleared, a new key for the next one,
 * and a `sent` event, on which the page's script empties the box and forgets its draft.
 */
const sentAnswer = (extra: SafeHtml) =>
  htmlResponse(
    html`<hx-partial hx-target="find [role=alert]" hx-swap="innerHTML"></hx-partial><hx-partial hx-target="find [name=client_msg_id]" hx-swap="outerHTML">${clientMsgId()}</hx-partial>${extra}`,
    200,
    { "HX-Trigger": "sent" },
  );

async function stopTyping(deps: ActionDeps, client: ApiClient, channelId: string) {
  try {
    const me = await client.get<{ id: string }>("/api/me");
    await doPublishTyping(deps.bus, client, me.id, { channel_id: channelId, state: "stop" });
  } catch (err) {
    log.debug("typing stop not sent", { error: String(err) });
  }
}

/** "Typing", or its end: said outright, or by the message box posting itself (an emptied box stops). */
export async function typing(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  const state = form.state === "stop" || form.body?.trim() === "" ? "stop" : "start";
  const me = await client.get<{ id: string }>("/api/me");
  await doPublishTyping(deps.bus, client, me.id, { channel_id: channelIdOf(form.channel_id), state });
  return noContent();
}

/** The reader's position in a channel, posted by the page while it is seen (`#read-mark`). */
export async function markRead(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const channelId = channelIdOf(ctx.params.id);
  const form = await formOf(req, deps.config);
  await client.post(`/api/channels/${channelId}/read`, { message_id: form.message_id });
  return noContent();
}

export async function editMessageForm(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const m = await client.get<Message>(`/api/messages/${encodeURIComponent(ctx.params.id ?? "")}`);
  return htmlResponse(editForm(m));
}

export async function editMessage(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  await client.patch(`/api/messages/${encodeURIComponent(ctx.params.id ?? "")}`, {
    body_md: form.body ?? "",
  });
  return noContent();
}

export async function deleteMessage(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  await client.delete(`/api/messages/${encodeURIComponent(ctx.params.id ?? "")}`);
  return noContent();
}

/** Pins a message, or unpins it when it already was; everyone's pins panel redraws live. */
export async function togglePin(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const path = `/api/messages/${encodeURIComponent(ctx.params.id ?? "")}/pin`;
  const pinned = await client.post<{ changed: boolean }>(path);
  if (!pinned.changed) await client.delete(path);
  return noContent();
}

/** Saves a message for the caller, or forgets it when it was saved. */
export async function toggleSaved(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const path = `/api/messages/${encodeURIComponent(ctx.params.id ?? "")}/saved`;
  const saved = await client.put<{ changed: boolean }>(path);
  if (!saved.changed) await client.delete(path);
  return noContent();
}

export async function pinsFragment(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const id = channelIdOf(ctx.params.id);
  const [channel, page] = await Promise.all([
    client.get<Channel>(`/api/channels/${id}`),
    client.get<Page<{ message: Message }>>(`/api/channels/${id}/pins?limit=100`),
  ]);
  return htmlResponse(pinsPanel(channel, page.items));
}

export async function removePreview(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  await client.delete(`/api/messages/${encodeURIComponent(ctx.params.id ?? "")}/preview`);
  return noContent();
}

/** The community picked in the sidebar's switcher: the browser goes to its page ("—" goes nowhere). */
export async function switchCommunity(_req: Request, ctx: RequestContext) {
  const slug = ctx.url.searchParams.get("community");
  if (!slug) return noContent();
  return new Response(null, { headers: { "HX-Redirect": `/c/${encodeURIComponent(slug)}` } });
}

/** A person's profile popover (anyone the caller shares a community or conversation with). */
export async function profileFragment(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const id = encodeURIComponent(ctx.params.id ?? "");
  const [person, me] = await Promise.all([
    client.get<Person>(`/api/users/${id}`),
    client.get<{ id: string }>("/api/me"),
  ]);
  return htmlResponse(profilePopover(person, me.id));
}

/** The reaction picker for a message, opened beside its reactions. */
export async function reactionPickerFragment(_req: Request, ctx: RequestContext) {
  return htmlResponse(reactionPicker(ctx.params.id ?? ""));
}

/**
 * Toggles the caller's reaction: on when they have none with this emoji, off when they have
 * (always on from the picker, `mode=add`). Answered with nothing, which closes the picker.
 */
export async function react(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const form = await formOf(req, deps.config);
  // `:tada:` typed in the picker is the emoji it names (the shared shortcode table).
  const typed = (form.emoji ?? "").trim();
  const emoji = emojiByName(typed) ?? typed;
  if (!emoji) return noContent();
  const id = encodeURIComponent(ctx.params.id ?? "");
  const m = await client.get<{ reactions: { emoji: string; reacted_by_me: boolean }[] }>(
    `/api/messages/${id}`,
  );
  const mine = m.reactions.some((r) => r.emoji === emoji && r.reacted_by_me);
  const path = `/api/messages/${id}/reactions/${encodeURIComponent(emoji)}`;
  if (mine && form.mode !== "add") await client.delete(path);
  else await client.put(path);
  return done();
}

/**
 * What the word being typed in a message box could become: a command ("/", not in a thread; those
 * the caller's role may run) or a person of the community ("@").
 */
export async function completions(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const q = ctx.url.searchParams;
  const word = (q.get("word") ?? "").toLowerCase();
  const slug = encodeURIComponent(q.get("community") ?? "");
  const command = word.startsWith("/");
  if (word.startsWith(":")) return htmlResponse(completionList(emojiCompletions(word.slice(1))));
  if (!slug || !(word.startsWith("@") || (command && !q.get("parent_id")))) return done();
  const client = clientOf(req, ctx, deps.api);
  const offers = command
    ? await Promise.all([
        client.get<Community>(`/api/communities/${slug}`),
        client.get<{ items: CustomCommand[] }>(`/api/communities/${slug}/commands`),
      ]).then(([community, custom]) => commandCompletions(community.role ?? null, custom.items))
    : // Search-as-you-type: the API finds the few people whose names start so, however many there are.
      memberCompletions(
        (
          await client.get<{ items: Member[] }>(
            `/api/communities/${slug}/members?limit=8&q=${encodeURIComponent(word.slice(1))}`,
          )
        ).items,
      );
  // People were matched by the API (by username or display name); commands are matched here.
  const matching = command ? offers.filter((o) => o.value.toLowerCase().startsWith(word)) : offers;
  return htmlResponse(completionList([...new Map(matching.map((o) => [o.label, o])).values()].slice(0, 8)));
}

export async function threadFragment(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const parent = await client.get<Message>(`/api/messages/${encodeURIComponent(ctx.params.id ?? "")}`);
  const channel = await client.get<Channel>(`/api/channels/${parent.channel_id}`);
  return htmlResponse(await thread(client, channel, parent.id));
}

export async function olderMessages(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const channelId = channelIdOf(ctx.url.searchParams.get("channel"));
  const before = ctx.url.searchParams.get("before") ?? "";
  const page = await client.get<Page<Message>>(
    `/api/channels/${encodeURIComponent(channelId)}/messages?before=${encodeURIComponent(before)}&limit=50`,
  );
  return htmlResponse(messageList(page.items, { channelId, hasMore: page.has_more }));
}

export async function sidebarFragment(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  const slug = ctx.url.searchParams.get("community") || null;
  const shell = await loadShell(deps.bus, client, slug);
  return htmlResponse(sidebar(shell, ctx.url.searchParams.get("channel") || null));
}

/**
 * The bell's count, and the tab's title and icon that carry it (or a dot for unread channels): one
 * page-context call, as the page itself loads them.
 */
export async function bellFragment(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const q = ctx.url.searchParams;
  const shell = await loadContext(clientOf(req, ctx, deps.api), q.get("community") || null);
  const unread = {
    notes: shell.notificationsUnread,
    channels: unreadElsewhere([...shell.channels, ...shell.dms], q.get("channel") || null),
  };
  const marks = tabMarks(q.get("title") ?? "", unread);
  return htmlResponse(
    html`${bellCount(shell.notificationsUnread)}<hx-partial hx-target="#tab-title" hx-swap="outerHTML">${marks.title}</hx-partial><hx-partial hx-target="#tab-icon" hx-swap="outerHTML">${marks.icon}</hx-partial>`,
  );
}

export async function notificationsPanel(req: Request, ctx: RequestContext, deps: ActionDeps) {
  return htmlResponse(await notificationsFragment(clientOf(req, ctx, deps.api)));
}

export async function markNotificationsRead(req: Request, ctx: RequestContext, deps: ActionDeps) {
  const client = clientOf(req, ctx, deps.api);
  await client.post("/api/notifications/read", { all: true });
  return noContent();
}
