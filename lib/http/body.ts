import type { z } from "zod";
import { refuseNul } from "../control-chars.ts";
import { AppError, invalid, tooLarge } from "../errors.ts";

export const payloadTooLarge = (limit: number) =>
  tooLarge(`the request body is larger than the limit of ${limit} bytes`);

/**
 * Reads at most `limit` bytes of the body: the one way a service reads a whole body. A declared
 * Content-Length over the limit is refused before reading; a body that grows past it while
 * streaming is cut off.
 */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw payloadTooLarge(limit);
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.byteLength;
    if (size > limit) throw payloadTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The body as text, read as readBody reads it. */
export async function readBodyText(req: Request, limit: number): Promise<string> {
  return new TextDecoder().decode(await readBody(req, limit));
}

/** A form (urlencoded or multipart), read as readBody reads it. A body that is not a form of the type it claims is a 400. */
export async function readForm(req: Request, limit: number) {
  const type = req.headers.get("content-type") ?? "";
  const body = await readBody(req, limit);
  return new Response(body, { headers: { "content-type": type } }).formData().catch(() => {
    throw invalid("the request body is not a valid form", "invalid_form");
  });
}

/** A form's text fields (file parts are left out), read as readForm reads it. */
export async function readFormFields(req: Request, limit: number): Promise<Record<string, string>> {
  const form = await readForm(req, limit);
  const fields: Record<string, string> = {};
  for (const [name, value] of form.entries()) if (typeof value === "string") fields[name] = value;
  return fields;
}

/** Parses a JSON body with `schema`; malformed JSON and schema failures are 400s naming the field. */
export async function readJson<T extends z.ZodType>(
  req: Request,
  schema: T,
  limit: number,
): Promise<z.output<T>> {
  const text = await readBodyText(req, limit);
  let value: unknown;
  try {
    value = text === "" ? {} : JSON.parse(text, refuseNul);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw invalid("the request body is not valid JSON", "invalid_json");
  }
  return schema.parse(value);
}
