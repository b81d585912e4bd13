import { AppError } from "../errors.ts";
import type { PutBody } from "./object-store.ts";

export const tooLarge = (maxBytes: number) =>
  new AppError("too_large", "payload_too_large", `the upload is larger than the limit of ${maxBytes} bytes`);

/**
 * The body as a stream that counts bytes and errors with 413 once more than `maxBytes` have passed,
 * so a store aborts an oversized upload without reading the rest of it.
 */
export function limitedStream(
  body: PutBody,
  maxBytes = Number.POSITIVE_INFINITY,
): { stream: ReadableStream<Uint8Array>; bytes: () => number } {
  let count = 0;
  const source =
    body instanceof ReadableStream ? body : (new Response(body).body as ReadableStream<Uint8Array>);
  const stream = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        count += chunk.byteLength;
        if (count > maxBytes) controller.error(tooLarge(maxBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
  return { stream, bytes: () => count };
}
