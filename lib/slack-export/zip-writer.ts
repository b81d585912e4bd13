import { once } from "node:events";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";

/** One zip entry being written: text goes in as it is produced, and waits while the reader lags. */
export interface EntryWriter {
  write(text: string): Promise<void>;
  end(): Promise<void>;
}

/**
 * A zip written one entry at a time as its reader takes it, so an export of any size holds only
 * what is in flight: at most one entry open, and a stream buffer of bytes per entry. An entry must
 * be ended before the next one starts (yazl writes entries in order, so a second open entry would
 * wait on the first forever).
 */
export class ZipWriter {
  readonly zip = new ZipFile();
  // Every entry gets the export's time, so two exports of the same data differ only where it did.
  private readonly mtime = new Date();
  // Rejects once the reader is gone (a download cancelled, a disk full), so no write waits forever.
  private readonly gone: Promise<never>;

  constructor() {
    this.gone = new Promise<never>((_, reject) => {
      const stop = (err?: Error) => reject(err ?? new Error("the export's reader went away"));
      this.output.on("error", stop);
      this.output.once("close", () => stop());
    });
    this.gone.catch(() => {});
  }

  /** The zip's bytes, as they are made. */
  get output(): Readable {
    return this.zip.outputStream as Readable;
  }

  open(name: string): EntryWriter {
    const pass = new PassThrough();
    this.zip.addReadStream(pass, name, { mtime: this.mtime, mode: 0o100600 });
    const gone = this.gone;
    return {
      async write(text) {
        if (!pass.write(text)) await Promise.race([once(pass, "drain"), gone]);
      },
      async end() {
        pass.end();
      },
    };
  }

  /** A whole entry from a stream (a stored file), copied through as its reader takes it. */
  async copy(name: string, body: ReadableStream<Uint8Array>) {
    const pass = new PassThrough();
    this.zip.addReadStream(pass, name, { mtime: this.mtime, mode: 0o100600, compress: false });
    await Promise.race([
      pipeline(Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>), pass),
      this.gone,
    ]);
  }

  /** A JSON value as an entry (small ones: the profile, a list's one item). */
  async json(name: string, value: unknown) {
    const entry = this.open(name);
    await entry.write(JSON.stringify(value, null, 2));
    await entry.end();
  }

  /** A JSON array as an entry, item by item. */
  array(name: string) {
    const entry = this.open(name);
    let first = true;
    return {
      async push(item: unknown) {
        await entry.write(`${first ? "[\n" : ",\n"}${JSON.stringify(item, null, 2)}`);
        first = false;
      },
      async end() {
        await entry.write(first ? "[]\n" : "\n]\n");
        await entry.end();
      },
    };
  }

  end() {
    this.zip.end();
  }
}
