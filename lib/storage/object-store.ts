/** What the store knows of an object. */
export interface ObjectInfo {
  size: number;
  contentType: string;
}

export type PutBody = ReadableStream<Uint8Array> | Blob | Uint8Array | string;

export interface PutOptions {
  contentType: string;
  /** Bytes allowed; a larger body is refused with 413 and nothing is kept. */
  maxBytes?: number;
}

/**
 * Object storage for attachments and avatars. Bodies stream in and out; nothing is held whole in
 * memory. A put is all or nothing: a failed or oversized upload leaves no object behind.
 * Downloads are proxied through the API (which checks access first), so no store needs signed URLs.
 */
export interface ObjectStore {
  readonly kind: "disk" | "s3";
  put(key: string, body: PutBody, options: PutOptions): Promise<ObjectInfo>;
  /** The object's body and info, or null when there is no such key. */
  get(key: string): Promise<(ObjectInfo & { body: ReadableStream<Uint8Array> }) | null>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
