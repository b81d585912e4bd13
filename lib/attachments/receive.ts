import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import busboy from "busboy";
import type { z } from "zod";
import { invalid } from "../errors.ts";
import { MAX_BODY_CHARS } from "../messages/post.ts";
import { sanitizeFilename } from "../storage/keys.ts";
import { limitedStream, tooLarge } from "../storage/limit-stream.ts";
import type { ObjectStore } from "../storage/object-store.ts";
import { displayType } from "./content-types.ts";

// A text field may carry a whole message body, up to 4 bytes of UTF-8 per character.
const MAX_FIELD_BYTES = 4 * MAX_BODY_CHARS;
// What a form may add around its file: the text fields plus boundaries and part headers.
const FORM_OVERHEAD_BYTES = MAX_FIELD_BYTES + 64 * 1024;
const MAX_CONTENT_TYPE_CHARS = 200;

const missingFile = () =>
  invalid("file: required; send multipart/form-data with one file part named file", "invalid_upload");

/** A file received and stored whole. */
export interface ReceivedFile {
  key: string;
  /** Sanitized, as stored in the key. */
  filename: string;
  /** As the part declared it (its essence, lower-case); `application/octet-stream` when absent or absurd. */
  contentType: string;
  size: number;
}

/**
 * Reads a multipart/form-data upload as a stream: the one part named `file` is piped straight into
 * the store as it arrives (never held whole in memory); the other parts must be fields of `fields`,
 * checked as they arrive, so a bad field sent before the file stops the upload before it is read.
 * A declared Content-Length too large for `maxBytes` is refused before reading anything.
 *
 * All or nothing: when it throws (413 past `maxBytes`, 400 for a malformed form, a missing or second
 * file, a bad field), nothing is left in the store.
 */
export async function receiveUpload<S extends z.ZodObject>(
  req: Request,
  options: {
    store: ObjectStore;
    maxBytes: number;
    /** The storage key for the (sanitized) filename. */
    keyFor(filename: string): string;
    fields: S;
  },
): Promise<{ file: ReceivedFile; fields: z.output<S> }> {
  const { store, maxBytes, fields: schema } = options;
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes + FORM_OVERHEAD_BYTES) throw tooLarge(maxBytes);
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": req.headers.get("content-type") ?? "" },
      // Browsers send filenames as raw UTF-8; busboy would read them as Latin-1.
      defParamCharset: "utf8",
      limits: { files: 1, fieldSize: MAX_FIELD_BYTES },
    });
  } catch {
    throw missingFile();
  }
  if (!req.body) throw missingFile();
  // Fields, part headers and a preamble count too, so a body that never gets to its file part, or
  // comes without a Content-Length, is cut off all the same.
  const { stream: counted } = limitedStream(req.body, maxBytes + FORM_OVERHEAD_BYTES);
  const input = Readable.fromWeb(counted as NodeReadableStream<Uint8Array>);
  const values: Record<string, string> = {};
  let stored: Promise<ReceivedFile> | undefined;
  let failed = false;
  const parsed = new Promise<void>((resolve, rejectWith) => {
    const reject = (err: unknown) => {
      failed = true;
      rejectWith(err);
    };
    parser.on("field", (name, value, info) => {
      if (name === "file")
        return reject(invalid("file: must be a file part, with a filename", "invalid_upload"));
      if (!(name in schema.shape)) return reject(invalid(`${name}: not a field of this upload`));
      if (name in values) return reject(invalid(`${name}: give it once`));
      if (info.valueTruncated) return reject(invalid(`${name}: at most ${MAX_FIELD_BYTES} bytes`));
      values[name] = value;
      const checked = (schema.shape[name] as z.ZodType).safeParse(value);
      if (!checked.success) reject(invalid(`${name}: ${checked.error.issues[0]?.message}`));
    });
    parser.on("file", (name, stream, info) => {
      if (failed) return stream.resume();
      if (name !== "file") {
        stream.resume();
        return reject(invalid(`${name}: unexpected file; send the file as the part named file`));
      }
      // Browsers escape these three in a form's filename (the HTML spec's multipart encoding).
      const sent = (info.filename ?? "").replace(/%22/g, '"').replace(/%0[ad]/gi, "");
      const filename = sanitizeFilename(sent);
      const key = options.keyFor(filename);
      const contentType =
        info.mimeType && info.mimeType.length <= MAX_CONTENT_TYPE_CHARS
          ? info.mimeType
          : "application/octet-stream";
      const body = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
      // The store gets the display type, so even a bucket read directly never serves HTML as HTML.
      stored = store
        .put(key, body, { contentType: displayType(contentType), maxBytes })
        .then(({ size }) => ({ key, filename, contentType, size }));
      stored.catch(reject);
    });
    parser.on("filesLimit", () => reject(invalid("file: send exactly one file", "invalid_upload")));
    parser.on("error", (err) =>
      reject(invalid(`the multipart body is malformed: ${(err as Error).message}`, "invalid_multipart")),
    );
    parser.on("close", resolve);
    input.on("error", reject);
  });
  input.pipe(parser);

  try {
    await parsed;
    if (!stored) throw missingFile();
    const file = await stored;
    return { file, fields: schema.parse(values) };
  } catch (err) {
    // Stop reading: an oversized or refused upload is not read to its end.
    input.destroy();
    parser.destroy();
    if (stored) await stored.then((f) => store.delete(f.key)).catch(() => {});
    throw err;
  }
}
