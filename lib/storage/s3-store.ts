import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Config } from "../config.ts";
import { checkKey } from "./keys.ts";
import { limitedStream, tooLarge } from "./limit-stream.ts";
import type { ObjectStore } from "./object-store.ts";

type S3Config = Extract<Config["storage"], { kind: "s3" }>;

const missing = (err: unknown) =>
  err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 404 || err.name === "NoSuchKey");

/** S3 or MinIO. Uploads of unknown length go up as multipart, so they are streamed, never buffered whole. */
export function createS3Store(config: S3Config): ObjectStore {
  const client = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // MinIO and s3rver do not all speak the newer default checksum headers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const Bucket = config.bucket;

  return {
    kind: "s3",
    async put(key, body, options) {
      const { stream, bytes } = limitedStream(body, options.maxBytes);
      const upload = new Upload({
        client,
        params: { Bucket, Key: checkKey(key), Body: stream, ContentType: options.contentType },
        queueSize: 2,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (err) {
        // When aborting the multipart upload fails too (no permission, or a server without
        // AbortMultipartUpload), lib-storage throws that failure instead of the 413 that caused it.
        if (options.maxBytes !== undefined && bytes() > options.maxBytes) throw tooLarge(options.maxBytes);
        throw err;
      }
      return { size: bytes(), contentType: options.contentType };
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: checkKey(key) }));
        if (!out.Body) return null;
        return {
          size: Number(out.ContentLength ?? 0),
          contentType: out.ContentType ?? "application/octet-stream",
          body: out.Body.transformToWebStream() as ReadableStream<Uint8Array>,
        };
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async head(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: checkKey(key) }));
        return {
          size: Number(out.ContentLength ?? 0),
          contentType: out.ContentType ?? "application/octet-stream",
        };
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: checkKey(key) }));
    },
    async ping() {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (err) {
        if (!missing(err)) throw err;
        // A fresh MinIO has no bucket yet; make it rather than fail the first upload.
        await client.send(new CreateBucketCommand({ Bucket }));
      }
    },
    async close() {
      client.destroy();
    },
  };
}
