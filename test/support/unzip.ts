import yauzl from "yauzl";

/** Every entry of a zip (small ones, in tests) by name, read with yauzl as an importer would. */
export function unzipAll(source: string | Uint8Array): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) => {
      if (err || !zip) return reject(err);
      const entries = new Map<string, Buffer>();
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err2, stream) => {
          if (err2 || !stream) return reject(err2);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", reject);
          stream.on("end", () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(entries));
      zip.on("error", reject);
      zip.readEntry();
    };
    if (typeof source === "string") yauzl.open(source, { lazyEntries: true }, done);
    else yauzl.fromBuffer(Buffer.from(source), { lazyEntries: true }, done);
  });
}

/** An entry parsed as JSON; throws naming the entry when the zip lacks it. */
export function entryJson<T = unknown>(entries: Map<string, Buffer>, name: string): T {
  const body = entries.get(name);
  if (!body) throw new Error(`the zip has no ${name}; it has ${[...entries.keys()].join(", ")}`);
  return JSON.parse(body.toString("utf8")) as T;
}
