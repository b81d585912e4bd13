import { AppError } from "../errors.ts";
import { kindOfStatus } from "./status.ts";
import type {
  BotTokenJson,
  ChannelJson,
  CommandResultJson,
  CommunityJson,
  CustomCommandJson,
  DmJson,
  MeJson,
  MemberJson,
  MessageJson,
  NotificationJson,
  Page,
  ScheduledJson,
  SearchPageJson,
  SessionJson,
  UserJson,
} from "./views.ts";

/** Sends one request to the API: over HTTP, or in-process in the embedded server. */
export type Transport = (path: string, init: RequestInit) => Promise<Response>;

/** The server did not answer at all (refused, reset, DNS, timeout): nothing can be said about it. */
export class UnreachableError extends Error {
  override name = "UnreachableError";
  constructor(
    readonly server: string,
    reason: string,
  ) {
    super(`cannot reach ${server}: ${reason}`);
  }
}

/** An HTTP transport to a server's base URL (the gateway, or the API directly). */
export function httpTransport(baseUrl: string): Transport {
  const base = baseUrl.replace(/\/+$/, "");
  return async (path, init) => {
    try {
      return await fetch(base + path, init);
    } catch (err) {
      if (init.signal?.aborted) throw err;
      const code = (err as { code?: string }).code;
      throw new UnreachableError(base, code ? `${code}` : ((err as Error).message ?? String(err)));
    }
  };
}

/**
 * How a client rides out a busy or briefly absent server: a 429 is waited out once (its
 * Retry-After, if no longer than `maxWaitSeconds`); a request safe to repeat is sent again after
 * each of `backoffMs` when the server was unreachable or its gateway answered 502–504.
 */
export interface RetryPolicy {
  maxWaitSeconds: number;
  backoffMs: number[];
  sleep?: (ms: number) => Promise<unknown>;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Sending it twice does no harm (an idempotency key, or a PUT/PATCH/DELETE/GET). */
  idempotent?: boolean;
  signal?: AbortSignal;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "PATCH"]);
const GATEWAY_TROUBLE = new Set([502, 503, 504]);

/**
 * The typed API client the session managers and the terminal client share. Every call carries the
 * caller's token; a non-2xx answer becomes an AppError with the server's code and message.
 */
export class ApiClient {
  constructor(
    private readonly transport: Transport,
    /** The caller's token; empty when the transport itself says who is calling (a session manager's internal hop). */
    readonly token: string,
    private readonly traceId?: string,
    private readonly retry?: RetryPolicy,
    /** Reads every JSON answer (a terminal shows strings with their control characters made visible). */
    private readonly reviver?: (key: string, value: unknown) => unknown,
  ) {}

  /** The raw answer, after retries; a non-2xx answer throws AppError. */
  async send(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Response> {
    const init: RequestInit = {
      method,
      signal: options.signal,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(this.traceId ? { "x-trace-id": this.traceId } : {}),
        ...(body !== undefined && !(body instanceof FormData) ? { "content-type": "application/json" } : {}),
        ...options.headers,
      },
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
    };
    const res = await this.withRetries(path, init, options.idempotent ?? SAFE_METHODS.has(method));
    if (!res.ok) throw await errorOf(res, method, path);
    return res;
  }

  async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, body, options);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text, this.reviver) : undefined) as T;
  }

  private async withRetries(path: string, init: RequestInit, idempotent: boolean): Promise<Response> {
    const policy = this.retry;
    if (!policy) return this.transport(path, init);
    const sleep = policy.sleep ?? Bun.sleep;
    let waitedForLimit = false;
    for (let attempt = 0; ; attempt++) {
      const canRetry = idempotent && attempt < policy.backoffMs.length;
      let res: Response;
      try {
        res = await this.transport(path, init);
      } catch (err) {
        if (!(err instanceof UnreachableError) || !canRetry) throw err;
        await sleep(policy.backoffMs[attempt] ?? 0);
        continue;
      }
      if (res.status === 429 && !waitedForLimit) {
        const seconds = Number(res.headers.get("retry-after") ?? "1");
        if (!Number.isFinite(seconds) || seconds > policy.maxWaitSeconds) return res;
        waitedForLimit = true;
        await res.body?.cancel();
        await sleep(Math.max(0, seconds) * 1000);
        continue;
      }
      if (GATEWAY_TROUBLE.has(res.status) && canRetry) {
        await res.body?.cancel();
        await sleep(policy.backoffMs[attempt] ?? 0);
        continue;
      }
      return res;
    }
  }

  get<T>(path: string) {
    return this.request<T>("GET", path);
  }
  post<T>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>("POST", path, body ?? {}, options);
  }
  patch<T>(path: string, body: unknown) {
    return this.request<T>("PATCH", path, body);
  }
  put<T>(path: string, body?: unknown) {
    return this.request<T>("PUT", path, body);
  }
  delete<T>(path: string) {
    return this.request<T>("DELETE", path);
  }

  // The routes the terminal client uses, typed; the README's API table is the reference.

  me() {
    return this.get<MeJson>("/api/me");
  }
  /** Every item of a list that pages by `next_cursor`, a thousand at a time. */
  async all<T>(path: string): Promise<Page<T>> {
    const items: T[] = [];
    let after: string | null | undefined;
    do {
      const cursor = after ? `&after=${encodeURIComponent(after)}` : "";
      const page = await this.get<Page<T>>(`${path}${path.includes("?") ? "&" : "?"}limit=1000${cursor}`);
      items.push(...page.items);
      after = page.has_more ? page.next_cursor : null;
    } while (after);
    return { items, has_more: false };
  }
  communities() {
    return this.all<CommunityJson>("/api/communities");
  }
  channels(community: string, opts: { archived?: boolean } = {}) {
    const archived = opts.archived ? "?archived=true" : "";
    return this.all<ChannelJson>(`/api/communities/${encodeURIComponent(community)}/channels${archived}`);
  }
  members(community: string) {
    return this.all<MemberJson>(`/api/communities/${encodeURIComponent(community)}/members`);
  }
  /** The community's own slash commands (names, descriptions, hints), for /help and completion. */
  customCommands(community: string) {
    return this.get<{ items: CustomCommandJson[] }>(
      `/api/communities/${encodeURIComponent(community)}/commands`,
    );
  }
  channel(id: string) {
    return this.get<ChannelJson>(`/api/channels/${id}`);
  }
  dms() {
    return this.all<DmJson>("/api/dm");
  }
  sessions() {
    return this.all<SessionJson>("/api/sessions");
  }
  botTokens(community: string) {
    return this.all<BotTokenJson>(`/api/communities/${encodeURIComponent(community)}/tokens`);
  }
  openDm(userIds: string[]) {
    return this.post<ChannelJson>("/api/dm", { user_ids: userIds });
  }
  history(channelId: string, page: { limit?: number; before?: string; after?: string } = {}) {
    return this.get<Page<MessageJson>>(`/api/channels/${channelId}/messages${query(page)}`);
  }
  message(id: string) {
    return this.get<MessageJson>(`/api/messages/${id}`);
  }
  replies(id: string, page: { limit?: number; after?: string } = {}) {
    return this.get<Page<MessageJson>>(`/api/messages/${id}/replies${query(page)}`);
  }
  /** With `client_msg_id` a repeat finds the first message instead of posting again, so it is retried. */
  postMessage(
    channelId: string,
    body: { body_md: string; parent_id?: string | null; client_msg_id?: string; attachment_ids?: string[] },
  ) {
    return this.post<MessageJson>(`/api/channels/${channelId}/messages`, body, {
      idempotent: body.client_msg_id !== undefined,
    });
  }
  editMessage(id: string, bodyMd: string) {
    return this.patch<MessageJson>(`/api/messages/${id}`, { body_md: bodyMd });
  }
  deleteMessage(id: string) {
    return this.delete<MessageJson>(`/api/messages/${id}`);
  }
  react(id: string, emoji: string, on = true) {
    const path = `/api/messages/${id}/reactions/${encodeURIComponent(emoji)}`;
    return on ? this.put<MessageJson>(path) : this.delete<MessageJson>(path);
  }
  markRead(channelId: string, messageId: string) {
    return this.post<unknown>(`/api/channels/${channelId}/read`, { message_id: messageId });
  }
  upload(channelId: string, form: FormData, idempotent: boolean) {
    return this.request<{ message?: MessageJson; attachment?: unknown }>(
      "POST",
      `/api/channels/${channelId}/attachments`,
      form,
      { idempotent },
    );
  }
  download(attachmentId: string) {
    return this.send("GET", `/api/attachments/${attachmentId}`);
  }
  search(params: { q: string; community?: string; channel?: string; from?: string; limit?: number }) {
    return this.get<SearchPageJson>(`/api/search${query(params)}`);
  }
  notifications(params: { unread?: boolean; limit?: number } = {}) {
    return this.get<Page<NotificationJson> & { unread_count: number }>(`/api/notifications${query(params)}`);
  }
  markNotificationsRead(which: { ids: string[] } | { all: true }) {
    return this.post<{ read_ids: string[] }>("/api/notifications/read", which);
  }
  presence(userIds: string[]) {
    return this.get<{ items: { user_id: string; online: boolean }[] }>(
      `/api/presence${query({ user_ids: userIds.join(",") })}`,
    );
  }
  heartbeat() {
    return this.post<{ ok: boolean }>("/api/heartbeat");
  }
  user(id: string) {
    return this.get<UserJson>(`/api/users/${id}`);
  }
  pins(channelId: string, page: { limit?: number; before?: string } = {}) {
    return this.get<Page<{ message: MessageJson; pinned_by: string | null; pinned_at: string }>>(
      `/api/channels/${channelId}/pins${query(page)}`,
    );
  }
  pin(messageId: string, on = true) {
    const path = `/api/messages/${messageId}/pin`;
    type Pinned = { message_id: string; pinned: boolean; changed: boolean };
    return on ? this.post<Pinned>(path) : this.delete<Pinned>(path);
  }
  saved(page: { limit?: number; before?: string } = {}) {
    return this.get<Page<{ message: MessageJson; saved_at: string }>>(`/api/saved${query(page)}`);
  }
  save(messageId: string, on = true) {
    const path = `/api/messages/${messageId}/saved`;
    type Saved = { message_id: string; saved: boolean; changed: boolean };
    return on ? this.put<Saved>(path) : this.delete<Saved>(path);
  }
  setNotify(channelId: string, change: { notify?: string | null; muted?: boolean }) {
    return this.put<ChannelJson>(`/api/channels/${channelId}/notifications`, change);
  }
  setDnd(minutes: number | null) {
    return this.put<MeJson>("/api/me/dnd", { minutes });
  }
  /** Schedules a message instead of posting it: posted at `sendAt` if the author may still post there. */
  scheduleMessage(channelId: string, body: { body_md: string; send_at: string }) {
    return this.post<ScheduledJson>(`/api/channels/${channelId}/messages`, body);
  }
  scheduled(kind?: "reminder" | "message") {
    return this.get<{ items: ScheduledJson[] }>(`/api/scheduled${query({ kind })}`);
  }
  cancelScheduled(id: string) {
    return this.delete<ScheduledJson>(`/api/scheduled/${id}`);
  }
  runCommand(channelId: string, text: string) {
    return this.post<CommandResultJson>("/api/commands", { channel_id: channelId, text });
  }
}

/** A query string of the defined values, `?` included (or empty). */
function query(params: Record<string, string | number | boolean | undefined>) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A failed answer as the product's error: the server's code and message, the kind its status means. */
export async function errorOf(res: Response, method: string, path: string) {
  let code = "http_error";
  let message = `${method} ${path} answered ${res.status}`;
  try {
    const parsed = JSON.parse(await res.text()) as { error?: { code: string; message: string } };
    if (parsed.error) ({ code, message } = parsed.error);
  } catch {
    // Not our error shape (a proxy's page); keep the generic message.
  }
  const retryAfter = Number.parseInt(res.headers.get("retry-after") ?? "", 10);
  return new AppError(
    kindOfStatus(res.status),
    code,
    message,
    Number.isNaN(retryAfter) ? undefined : retryAfter,
  );
}
