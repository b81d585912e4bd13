import { html, htmlResponse } from "../../lib/http/html.ts";

/** A redirect with a short page of its own, for clients that do not follow it. */
export const redirect = (location: string, status = 303) =>
  htmlResponse(html`<!doctype html><title>Moved</title><p><a href="${location}">Continue</a></p>`, status, {
    Location: location,
  });

/** A form's fields as strings (htmx and plain forms post urlencoded or multipart). */
export async function formOf(req: Request): Promise<Record<string, string>> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.includes("form")) {
    if (type.includes("json")) return (await req.json()) as Record<string, string>;
    return {};
  }
  const form = await req.formData();
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === "string") out[k] = v;
  return out;
}
