import { HttpError } from "../http/errors.ts";

/** Sends one request to the API: over HTTP, or in-process in the embedded server. */
export type Transport = (path: string, init: RequestInit) => Promise<Response>;

/** An HTTP transport to a server's base URL (the gateway, or the API directly). */
export function httpTransport(baseUrl: string): Transport {
  const base = baseUrl.replace(/\/+$/, "");
  return (path, init) => fetch(base + path, init);
}

/**
 * The typed API client the session managers and the CLI share. Every call carries the caller's
 * token; a non-2xx answer becomes an HttpError with the server's code and message.
 */
export class ApiClient {
  constructor(
    private readonly transport: Transport,
    readonly token: string,
    private readonly traceId?: string,
  ) {}

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const init: RequestInit = {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(this.traceId ? { "x-trace-id": this.traceId } : {}),
        ...(body !== undefined && !(body instanceof FormData) ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
    };
    const res = await this.transport(path, init);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!res.ok) {
      let code = "http_error";
      let message = `${method} ${path} answered ${res.status}`;
      try {
        const parsed = JSON.parse(text) as { error?: { code: string; message: string } };
        if (parsed.error) ({ code, message } = parsed.error);
      } catch {
        // Not our error shape (a proxy's page); keep the generic message.
      }
      const retryAfter = res.headers.get("retry-after");
      throw new HttpError(res.status, code, message, retryAfter ? { "Retry-After": retryAfter } : undefined);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string) {
    return this.request<T>("GET", path);
  }
  post<T>(path: string, body?: unknown) {
    return this.request<T>("POST", path, body ?? {});
  }
  patch<T>(path: string, body: unknown) {
    return this.request<T>("PATCH", path, body);
  }
  put<T>(path: string) {
    return this.request<T>("PUT", path);
  }
  delete<T>(path: string) {
    return this.request<T>("DELETE", path);
  }
}
