import type { Results } from "@electric-sql/pglite";
import type { DbThreadStats, RequestBody, WorkerReply } from "./pglite-protocol.ts";

interface QueryOptions {
  rowMode?: "array" | "object";
}

/** What drizzle's PGlite driver calls on a client or a transaction handle. */
export interface Queryable {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
}

/**
 * Where the worker's code is. In the compiled program every module's `import.meta.url` is the
 * program's own, and the worker (an extra entrypoint in bin/build.ts) keeps its path from the
 * repository root.
 */
const workerUrl = () =>
  import.meta.url.includes("/$bunfs/")
    ? new URL("./lib/db/pglite-worker.ts", import.meta.url).href
    : new URL("./pglite-worker.ts", import.meta.url).href;

/**
 * PGlite in its own thread, with the part of PGlite's interface drizzle uses: `query`,
 * `transaction`, `close`. One worker holds the one PGlite of the process, so the data dir and its
 * lock stay the process's. Per-query parsers are ignored: the worker sets drizzle's once.
 */
export class RemotePglite implements Queryable {
  #worker: Worker;
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #failed: Error | undefined;
  closed = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const { id, error, result } = event.data;
      const pending = this.#pending.get(id);
      if (!pending) return;
      this.#pending.delete(id);
      if (error) pending.reject(Object.assign(new Error(error.message), error));
      else pending.resolve(result);
    };
    worker.onerror = (event) => {
      // A thread that threw outside a query (PGlite's WebAssembly aborting) answers nothing more.
      this.#failed = new Error(`the embedded database thread failed: ${event.message}`);
      for (const pending of this.#pending.values()) pending.reject(this.#failed);
      this.#pending.clear();
    };
  }

  /**
   * Starts the thread and opens the database in `dataDir` there (started from a dump's tarball, for
   * a restore), with PostgreSQL's `shared_buffers` set to `sharedBuffers` when given; with
   * `statementLog`, the thread writes its time by statement there.
   */
  static async open(
    dataDir: string,
    {
      loadDataDir,
      sharedBuffers,
      statementLog,
    }: { loadDataDir?: Blob; sharedBuffers?: string; statementLog?: string } = {},
  ): Promise<RemotePglite> {
    const client = new RemotePglite(new Worker(workerUrl()));
    try {
      await client.#send({
        op: "open",
        dataDir,
        loadDataDir: await loadDataDir?.arrayBuffer(),
        sharedBuffers,
        statementLog,
      });
    } catch (err) {
      client.#worker.terminate();
      throw err;
    }
    return client;
  }

  #send(body: RequestBody): Promise<unknown> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.closed) return Promise.reject(new Error("the embedded database is closed"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...body, id });
    });
  }

  #query<T>(tx: number | null, sql: string, params: unknown[] = [], options?: QueryOptions) {
    return this.#send({
      op: "query",
      tx,
      sql,
      params,
      rowMode: options?.rowMode ?? "object",
      sentAt: performance.timeOrigin + performance.now(),
    }) as Promise<Results<T>>;
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#query<T>(null, sql, params, options);
  }

  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const txId = (await this.#send({ op: "begin" })) as number;
    const tx: Queryable = { query: (sql, params, options) => this.#query(txId, sql, params, options) };
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      await this.#send({ op: "end", tx: txId, commit: false }).catch(() => {});
      throw err;
    }
    await this.#send({ op: "end", tx: txId, commit: true });
    return result;
  }

  /** Where the database thread's time went since it started. */
  stats(): Promise<DbThreadStats> {
    return this.#send({ op: "stats" }) as Promise<DbThreadStats>;
  }

  /** The whole data dir as an uncompressed tarball, taken between queries (a consistent copy). */
  async dumpDataDir(): Promise<Blob> {
    return new Blob([(await this.#send({ op: "dump" })) as ArrayBuffer]);
  }

  async close() {
    if (this.closed) return;
    await this.#send({ op: "close" }).catch(() => {});
    this.closed = true;
    this.#worker.terminate();
  }
}
