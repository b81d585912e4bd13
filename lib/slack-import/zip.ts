import type { Readable } from "node:stream";
import { type Entry, open, type ZipFile } from "yauzl";
import { invalid } from "../errors.ts";

// A day of one conversation is small; a JSON file bigger than this is not part of a Slack export.
const MAX_JSON_BYTES = 256 * 1024 * 1024;

/**
 * A Slack export zip opened for random access: the central directory is read once (names and
 * offsets only), and each entry is inflated when asked for, so a 2 GB export never sits in memory.
 */
export interface ExportZip {
  /** Every file's name, relative to the export's root. */
  names(): string[];
  has(name: string): boolean;
  /** A JSON entry parsed; undefined when the export lacks it. */
  json(name: string): Promise<unknown>;
  /** An entry's bytes as a stream, and its uncompressed size. */
  stream(name: string): Promise<{ body: Readable; size: number }>;
  close(): void;
}

const openZip = (path: string) =>
  new Promise<ZipFile>((resolve, reject) =>
    open(path, { lazyEntries: true, autoClose: false, decodeStrings: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    ),
  );

const readEntries = (zip: ZipFile) =>
  new Promise<Entry[]>((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on("entry", (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on("end", () => resolve(entries));
    zip.on("error", reject);
    zip.readEntry();
  });

/** Opens the export at `path`; a file that is not a zip is a one-line `invalid`. */
export async function openExportZip(path: string): Promise<ExportZip> {
  const zip = await openZip(path).catch((err: Error) => {
    throw invalid(`${path} is not a readable zip: ${err.message}`, "not_a_zip");
  });
  const entries = (await readEntries(zip)).filter((e) => !e.fileName.endsWith("/"));
  // Some tools zip the export's folder rather than its contents: the root is where users.json is.
  const users = entries.find((e) => e.fileName === "users.json" || e.fileName.endsWith("/users.json"));
  const root = users ? users.fileName.slice(0, -"users.json".length) : "";
  const byName = new Map(
    entries.filter((e) => e.fileName.startsWith(root)).map((e) => [e.fileName.slice(root.length), e]),
  );
  const openStream = (entry: Entry) =>
    new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))),
    );
  return {
    names: () => [...byName.keys()],
    has: (name) => byName.has(name),
    async json(name) {
      const entry = byName.get(name);
      if (!entry) return undefined;
      if (entry.uncompressedSize > MAX_JSON_BYTES)
        throw invalid(`${name} is too large for a Slack export file`);
      const chunks: Buffer[] = [];
      for await (const chunk of await openStream(entry)) chunks.push(chunk as Buffer);
      try {
        return JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        throw invalid(`${name} is not valid JSON`, "bad_export");
      }
    },
    async stream(name) {
      const entry = byName.get(name);
      if (!entry) throw invalid(`${name} is not in the export`);
      return { body: await openStream(entry), size: entry.uncompressedSize };
    },
    close: () => zip.close(),
  };
}
