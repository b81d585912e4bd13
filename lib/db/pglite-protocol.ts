/** Messages between the main thread and the embedded database's thread (lib/db/pglite-worker.ts). */
export type WorkerRequest =
  | {
      id: number;
      op: "open";
      dataDir: string;
      loadDataDir?: ArrayBuffer;
      sharedBuffers?: string;
      statementLog?: string;
    }
  | { id: number; op: "dump" }
  | {
      id: number;
      op: "query";
      tx: number | null;
      sql: string;
      params: unknown[];
      rowMode: "array" | "object";
      /** When the main thread sent it (performance.timeOrigin + now): how long it waited in all. */
      sentAt: number;
    }
  | { id: number; op: "begin" }
  | { id: number; op: "end"; tx: number; commit: boolean }
  | { id: number; op: "stats" }
  | { id: number; op: "close" };

/** The database thread's counters since it started (lib/db/pglite-worker.ts says how each is taken). */
export interface DbThreadStats {
  busyMs: number;
  heldMs: number;
  statements: number;
  transactions: number;
}

/** A database error crosses as its fields (code, constraint, detail…), not as an Error object. */
export type WorkerReply =
  | { id: number; result: unknown; error?: undefined }
  | { id: number; result?: undefined; error: { message: string; [field: string]: string | number } };

export type RequestBody = WorkerRequest extends infer R
  ? R extends WorkerRequest
    ? Omit<R, "id">
    : never
  : never;
