import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { checkKey } from "./keys.ts";
import { limitedStream } from "./limit-stream.ts";
import type { ObjectInfo, ObjectStore } from "./object-store.ts";

/**
 * Files on local disk under `<root>/objects/<key>`, with their content type in
 * `<root>/meta/<key>.json`. Writes go to a temporary file renamed into place, so a reader never
 * sees half an object.
 */
export function createDiskStore(root: string): ObjectStore {
  const base = resolve(root);
  const locate = (area: "objects" | "meta" | "tmp", key: string, suffix = "") => {
    const path = resolve(base, area, checkKey(key) + suffix);
    // checkKey already refuses `..`; this guards against anything it did not foresee.
    if (!path.startsWith(join(base, area) + sep)) throw new Error(`storage key escapes the store: ${key}`);
    return path;
  };

  async function readInfo(key: string): Promise<ObjectInfo | null> {
    try {
      const [file, meta] = await Promise.all([
        stat(locate("objects", key)),
        Bun.file(locate("meta", key, ".json"))
          .json()
          .catch(() => ({})),
      ]);
      if (!file.isFile()) return null;
      return {
        size: file.size,
        contentType: (meta as { contentType?: string }).contentType ?? "application/octet-stream",
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  return {
    kind: "disk",
    async put(key, body, options) {
      const target = locate("objects", key);
      const metaPath = locate("meta", key, ".json");
      const tmp = join(base, "tmp", `${Bun.randomUUIDv7()}.part`);
      await Promise.all([
        mkdir(dirname(target), { recursive: true }),
        mkdir(dirname(metaPath), { recursive: true }),
        mkdir(dirname(tmp), { recursive: true }),
      ]);
      const { stream, bytes } = limitedStream(body, options.maxBytes);
      const writer = Bun.file(tmp).writer();
      try {
        const reader = stream.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          writer.write(value);
          await writer.flush();
        }
        await writer.end();
        await Bun.write(metaPath, JSON.stringify({ contentType: options.contentType }));
        await rename(tmp, target);
      } catch (err) {
        // An unended writer keeps its file descriptor until garbage collection, so a burst of
        // refused uploads would run the process out of descriptors.
        await writer.end();
        await rm(tmp, { force: true });
        throw err;
      }
      return { size: bytes(), contentType: options.contentType };
    },
    async get(key) {
      const info = await readInfo(key);
      if (!info) return null;
      return { ...info, body: Bun.file(locate("objects", key)).stream() };
    },
    head: readInfo,
    async delete(key) {
      await rm(locate("objects", key), { force: true });
      await rm(locate("meta", key, ".json"), { force: true });
    },
    async ping() {
      await mkdir(join(base, "objects"), { recursive: true });
    },
    async close() {},
  };
}
