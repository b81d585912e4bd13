import { z } from "zod";
import type { Config } from "../../lib/config.ts";
import { invalid } from "../../lib/errors.ts";
import { readFormFields, readJson } from "../../lib/http/body.ts";
import { html, htmlResponse } from "../../lib/http/html.ts";

/** A redirect with a short page of its own, for clients that do not follow it. */
export const redirect = (location: string, status = 303) =>
  htmlResponse(html`<!doctype html><title>Moved</title><p><a href="${location}">Continue</a></p>`, status, {
    Location: location,
  });

const jsonFields = z.record(z.string(), z.unknown());

/**
 * A form's fields as strings (htmx and plain forms post urlencoded or multipart; JSON objects are
 * read too), at most the body limit. Read after callerOf/clientOf, so nobody the gateway did not
 * sign in gets a body read.
 */
export async function formOf(req: Request, config: Config): Promise<Record<string, string>> {
  const type = req.headers.get("content-type") ?? "";
  const limit = config.limits.maxBodyBytes;
  if (type.includes("form")) return readFormFields(req, limit);
  if (!type.includes("json")) return {};
  const fields = await readJson(req, jsonFields, limit);
  return Object.fromEntries(
    Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

const uuid = z.uuid();

/** A channel id from a form, a path or a query, checked before it goes into an API path. */
export function channelIdOf(value: string | null | undefined): string {
  const parsed = uuid.safeParse(value);
  if (!parsed.success) throw invalid("channel_id must be a channel's id (a UUID)");
  return parsed.data;
}
