import type { ErrorKind } from "../errors.ts";

/**
 * The kind of failure an HTTP status stands for, as a client reads another service's answer (the
 * SMs and the terminal reading the API, the HTTP layer classifying its own status-only errors).
 */
export function kindOfStatus(status: number): ErrorKind {
  switch (status) {
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 410:
      return "gone";
    case 413:
      return "too_large";
    case 429:
      return "rate_limited";
    case 502:
    case 503:
    case 504:
      return "unavailable";
    default:
      return status >= 500 ? "internal" : "invalid";
  }
}
