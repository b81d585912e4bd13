import type { z } from "zod";
import { refuseNul } from "../control-chars.ts";
import { AppError, invalid, tooLarge } from "../errors.ts";

export const payloadTooLarge = (limit: number) =>
  tooLarge(`the request body is larger than the limit of ${limit} bytes`);

/**
 * Reads at most `limit` bytes of the body. A declared Content-Length over the limit is refused
 * before reading; a body that grows past it while streaming is cut off.
 */
export async function readBodyText(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw payloadTooLarge(limit);
  if (!req.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.byteLength;
    if (size > limit) throw payloadTooLarge(limit);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
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
