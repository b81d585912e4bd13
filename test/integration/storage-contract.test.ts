import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "../../lib/errors.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import { storageKey } from "../../lib/storage/keys.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { createS3Store } from "../../lib/storage/s3-store.ts";
import { startS3 } from "../support/s3.ts";

const MiB = 1024 * 1024;

interface Subject {
  store: ObjectStore;
  /** Files the store must never leave: temp files, anything written beside its root. */
  strays(): string[];
  stop(): Promise<void>;
}

const subjects: Record<ObjectStore["kind"], () => Promise<Subject>> = {
  async disk() {
    // The store's root is the only thing in `parent`, so anything else there escaped the root.
    const parent = mkdtempSync(join(tmpdir(), "ajet-disk-"));
    const root = join(parent, "store");
    const tmp = join(root, "tmp");
    return {
      store: createDiskStore(root),
      strays: () => [
        ...readdirSync(parent).filter((name) => name !== "store"),
        ...(existsSync(tmp) ? readdirSync(tmp, { recursive: true, encoding: "utf8" }) : []).map((name) =>
          join("tmp", name),
        ),
      ],
      async stop() {
        rmSync(parent, { recursive: true, force: true });
      },
    };
  },
  async s3() {
    const s3 = await startS3();
    const { endpoint, bucket, accessKeyId, secretAccessKey } = s3;
    const store = createS3Store({
      kind: "s3",
      endpoint,
      bucket,
      accessKeyId,
      secretAccessKey,
      region: "us-east-1",
      forcePathStyle: true,
    });
    return {
      store,
      // s3rver implements neither ListMultipartUploads nor a filesystem beside the bucket.
      strays: () => [],
      async stop() {
        await store.close();
        await s3.stop();
      },
    };
  },
};

/** `size` bytes of random data in 64 KiB chunks, made as they are read, with the SHA-256 of all of it. */
function randomBody(size: number) {
  const hasher = new Bun.CryptoHasher("sha256");
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= size) return controller.close();
      const chunk = crypto.getRandomValues(new Uint8Array(Math.min(64 * 1024, size - sent)));
      hasher.update(chunk);
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { body, sha256: () => hasher.digest("hex") };
}

const sha256 = async (body: ReadableStream<Uint8Array>) =>
  new Bun.CryptoHasher("sha256").update(await new Response(body).bytes()).digest("hex");

const text = (body: ReadableStream<Uint8Array>) => new Response(body).text();

/** The error `promise` rejects with, or a failure when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection, but it resolved");
}

const badKeys = [
  "../escape.txt",
  "c/../../escape.txt",
  "c/ch/m/../../../../escape.txt",
  "/tmp/escape.txt",
  "/etc/passwd",
  "c\\..\\..\\escape.txt",
  "..\\escape.txt",
  "c/ch/m/esc\u0000ape.txt",
  "c/ch/m/esc\nape.txt",
  "c/ch/m/esc\u007fape.txt",
  "c//escape.txt",
  "c/ch/",
  "c/./escape.txt",
  "..",
  "",
];

for (const [kind, start] of Object.entries(subjects)) {
  describe(`the ${kind} store`, () => {
    let subject: Subject;
    let store: ObjectStore;
    // A fresh message folder per test, so tests never see each other's objects.
    const keyFor = (filename: string) =>
      storageKey({ communityId: "c", channelId: "ch", messageId: Bun.randomUUIDv7(), filename });

    beforeAll(async () => {
      subject = await start();
      store = subject.store;
      await store.ping();
    });

    afterAll(async () => {
      await subject?.stop();
    });

    test("gives back the bytes and content type it was given", async () => {
      const key = keyFor("notes.txt");
      const put = await store.put(key, "alice's notes ✓", { contentType: "text/plain; charset=utf-8" });
      expect(put).toEqual({
        size: Buffer.byteLength("alice's notes ✓"),
        contentType: "text/plain; charset=utf-8",
      });

      const got = await store.get(key);
      expect(got?.contentType).toBe("text/plain; charset=utf-8");
      expect(got?.size).toBe(put.size);
      expect(got && (await text(got.body))).toBe("alice's notes ✓");
    });

    test("head gives size and content type without the body", async () => {
      const key = keyFor("photo.png");
      await store.put(key, new Uint8Array(1234).fill(7), { contentType: "image/png" });
      expect(await store.head(key)).toEqual({ size: 1234, contentType: "image/png" });
    });

    test("a missing key is null for head and get", async () => {
      expect(await store.head(keyFor("nothing.txt"))).toBeNull();
      expect(await store.get(keyFor("nothing.txt"))).toBeNull();
    });

    test("delete removes the object, and deleting a missing key is fine", async () => {
      const key = keyFor("gone.txt");
      await store.put(key, "bob's draft", { contentType: "text/plain" });
      await store.delete(key);
      expect(await store.head(key)).toBeNull();
      expect(await store.get(key)).toBeNull();
      await store.delete(key);
      await store.delete(keyFor("never-was.txt"));
    });

    test("a streamed upload of several megabytes arrives intact", async () => {
      const key = keyFor("video.mp4");
      const upload = randomBody(12 * MiB + 12345);
      const put = await store.put(key, upload.body, { contentType: "video/mp4", maxBytes: 20 * MiB });
      expect(put.size).toBe(12 * MiB + 12345);

      const got = await store.get(key);
      expect(got?.size).toBe(12 * MiB + 12345);
      expect(got && (await sha256(got.body))).toBe(upload.sha256());
    });

    test("an upload of exactly the limit is kept", async () => {
      const key = keyFor("exact.bin");
      await store.put(key, new Uint8Array(1000), { contentType: "application/octet-stream", maxBytes: 1000 });
      expect(await store.head(key)).toEqual({ size: 1000, contentType: "application/octet-stream" });
    });

    // Larger than one 5 MiB multipart part, so the S3 store has already sent a part when it stops.
    test("an upload over the limit is refused with 413 and leaves nothing behind", async () => {
      const key = keyFor("huge.iso");
      const err = await rejection(
        store.put(key, randomBody(9 * MiB).body, {
          contentType: "application/x-iso9660-image",
          maxBytes: 6 * MiB,
        }),
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).kind).toBe("too_large");
      expect(await store.head(key)).toBeNull();
      expect(await store.get(key)).toBeNull();
      expect(subject.strays()).toEqual([]);
    });

    test("an oversized overwrite keeps the previous object", async () => {
      const key = keyFor("avatar.png");
      await store.put(key, "carol's avatar", { contentType: "image/png" });
      const err = await rejection(
        store.put(key, "x".repeat(2000), { contentType: "image/gif", maxBytes: 1000 }),
      );
      expect((err as AppError).kind).toBe("too_large");

      const got = await store.get(key);
      expect(got?.contentType).toBe("image/png");
      expect(got && (await text(got.body))).toBe("carol's avatar");
    });

    test("putting an existing key replaces its bytes and content type", async () => {
      const key = keyFor("report.txt");
      await store.put(key, "first draft, longer than the second", { contentType: "text/plain" });
      await store.put(key, "final", { contentType: "text/markdown" });

      expect(await store.head(key)).toEqual({ size: 5, contentType: "text/markdown" });
      const got = await store.get(key);
      expect(got && (await text(got.body))).toBe("final");
    });

    test.each(badKeys)("the key %p is refused with 400 by every operation", async (key) => {
      for (const attempt of [
        store.put(key, "escaped", { contentType: "text/plain" }),
        store.get(key),
        store.head(key),
        store.delete(key),
      ]) {
        const err = await rejection(attempt);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).kind).toBe("invalid");
      }
    });

    test("refused keys wrote nothing outside the store", () => {
      expect(subject.strays()).toEqual([]);
    });

    test.each([
      ["a plain name", "report.pdf", "report.pdf"],
      ["a path that climbs out", "../../etc/passwd", "passwd"],
      ["a Windows path", "C:\\Users\\dave\\evil.exe", "evil.exe"],
      ["control characters and a leading dot", ".hid\u0000den\r\n.txt", "hidden.txt"],
      ["spaces, quotes and unicode", 'Ünïcödé "résumé" (1) 日本.pdf', "Ünïcödé _résumé_ (1) 日本.pdf"],
      ["nothing usable", "..", "file"],
      ["half an emoji", "half\ud83d.txt", "half\ufffd.txt"],
    ])("a storageKey for %s round-trips", async (_, filename, stored) => {
      const key = keyFor(filename);
      expect(key.endsWith(`/${stored}`)).toBe(true);
      await store.put(key, `contents of ${stored}`, { contentType: "application/octet-stream" });
      const got = await store.get(key);
      expect(got && (await text(got.body))).toBe(`contents of ${stored}`);
      expect(await store.head(key)).toEqual({
        size: Buffer.byteLength(`contents of ${stored}`),
        contentType: "application/octet-stream",
      });
    });

    test.each([
      ["a long ASCII name", `${"a".repeat(500)}.tar.gz`],
      ["a long Japanese name", `${"日本語".repeat(100)}.pdf`],
      ["a long emoji name cut inside a character", `a${"😀".repeat(150)}.png`],
    ])("a storageKey for %s round-trips", async (_, filename) => {
      const key = keyFor(filename);
      await store.put(key, "long", { contentType: "text/plain" });
      const got = await store.get(key);
      expect(got && (await text(got.body))).toBe("long");
    });

    test("a storageKey for a DM round-trips", async () => {
      const key = storageKey({
        communityId: null,
        channelId: Bun.randomUUIDv7(),
        messageId: Bun.randomUUIDv7(),
        filename: "dm.txt",
      });
      expect(key.startsWith("dm/")).toBe(true);
      await store.put(key, "between alice and bob", { contentType: "text/plain" });
      const got = await store.get(key);
      expect(got && (await text(got.body))).toBe("between alice and bob");
    });
  });
}
