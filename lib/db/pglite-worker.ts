// The embedded database's own thread. PGlite runs every query synchronously in WebAssembly, so on the
// main thread a slow query froze every request and stream of the process; here it uses the second
// core while the main thread serves HTTP. lib/db/pglite-remote.ts is the other end of the protocol.
import { PGlite, type Transaction, types } from "@electric-sql/pglite";
import initdbWasmPath from "@electric-sql/pglite/initdb.wasm" with { type: "file" };
import pgliteDataPath from "@electric-sql/pglite/pglite.data" with { type: "file" };
import pgliteWasmPath from "@electric-sql/pglite/pglite.wasm" with { type: "file" };
import { queryInOneCall } from "./pglite-one-call.ts";
import type { DbThreadStats, WorkerReply, WorkerRequest } from "./pglite-protocol.ts";

declare const self: Worker;

// drizzle hands these with every query and PGlite then copies its whole parser table per query;
// set once here, queries carry none. Dates and intervals stay text, as drizzle's column mappers expect.
const asText = (value: string) => value;
const parsers = Object.fromEntries(
  [types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182].map(
    (oid) => [oid, asText],
  ),
);

let pg: PGlite | undefined;
/**
 * Where this thread's time goes, for the metrics: PGlite runs one statement at a time, so a
 * statement's own time is from when it arrived or the one before it finished, whichever is later.
 * `heldMs` is the time transactions held the database, most of it waiting for the main thread to
 * send their next statement: nothing else runs meanwhile.
 */
const stats: DbThreadStats = { busyMs: 0, heldMs: 0, statements: 0, transactions: 0 };
let lastEnd = 0;
let nextTx = 1;
/** Open transactions: their handle and how to finish them (commit or roll back). */
const transactions = new Map<number, { tx: Transaction; finish: (commit: boolean, endId: number) => void }>();

const reply = (message: WorkerReply) => self.postMessage(message);

/** One statement text's time, for AJET_DB_STATEMENT_LOG. */
interface StatementTime {
  ms: number;
  n: number;
  /** The longest one run of it took: a single slow run holds every statement behind it. */
  worst: number;
  waitMs: number;
  worstWait: number;
}
let byStatement: Map<string, StatementTime> | undefined;
let writeStatements: (() => Promise<number>) | undefined;

/**
 * Writes the time each statement took, summed by its text, to `file` every 10 s, largest first:
 * where a load's database time goes (AJET_DB_STATEMENT_LOG); once more when the database closes.
 */
function logStatements(file: string) {
  const times = new Map<string, StatementTime>();
  byStatement = times;
  writeStatements = () => {
    const total = [...times.values()].reduce((sum, s) => sum + s.ms, 0);
    const lines = [...times.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([text, s]) =>
        [
          ((s.ms / total) * 100).toFixed(1),
          s.n,
          (s.ms / s.n).toFixed(3),
          s.worst.toFixed(1),
          (s.waitMs / s.n).toFixed(1),
          s.worstWait.toFixed(0),
          text.replace(/\s+/g, " "),
        ].join("\t"),
      );
    return Bun.write(
      file,
      `% of time\tcount\tms each\tworst ms\twaited ms each\tworst wait ms\tstatement\n${lines.join("\n")}\n`,
    );
  };
  setInterval(writeStatements, 10_000).unref();
}

/** Adds one statement's own time and its wait (from when the main thread sent it) to its text's. */
function timeStatement(sql: string, own: number, waited: number) {
  if (!byStatement) return;
  const seen = byStatement.get(sql) ?? { ms: 0, n: 0, worst: 0, waitMs: 0, worstWait: 0 };
  [seen.ms, seen.n, seen.waitMs] = [seen.ms + own, seen.n + 1, seen.waitMs + waited];
  seen.worst = Math.max(seen.worst, own);
  seen.worstWait = Math.max(seen.worstWait, waited);
  byStatement.set(sql, seen);
}

function failure(id: number, err: unknown): WorkerReply {
  if (!(err instanceof Error)) return { id, error: { message: String(err) } };
  // PGlite's DatabaseError keeps the server's fields (code, constraint, detail…) as own properties.
  const fields = Object.fromEntries(
    Object.entries(err).filter(([, v]) => typeof v === "string" || typeof v === "number"),
  );
  return { id, error: { ...fields, message: err.message } };
}

async function open(dataDir: string, loadDataDir?: ArrayBuffer, sharedBuffers?: string) {
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
    WebAssembly.compile(await Bun.file(pgliteWasmPath).arrayBuffer()),
    WebAssembly.compile(await Bun.file(initdbWasmPath).arrayBuffer()),
  ]);
  pg = await PGlite.create({
    dataDir,
    loadDataDir: loadDataDir ? new Blob([loadDataDir]) : undefined,
    parsers,
    pgliteWasmModule,
    initdbWasmModule,
    fsBundle: Bun.file(pgliteDataPath),
    // PostgreSQL's default of 128MB is nearly all resident once a crowd has touched the tables (it
    // was 160 of the process's 570 MB at 2,000 people); the files' pages are in the OS's cache
    // besides, so a smaller pool costs reads from there, not from disk.
    startParams: sharedBuffers
      ? [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffers}`]
      : PGlite.defaultStartParams,
  });
}

/** Starts a transaction and answers with its number once BEGIN ran; `end` later finishes it. */
function begin(id: number, db: PGlite) {
  const txId = nextTx++;
  let ended: number | undefined;
  db.transaction(async (tx) => {
    const held = performance.now();
    const commit = await new Promise<boolean>((finish) => {
      transactions.set(txId, {
        tx,
        finish: (commit, endId) => {
          ended = endId;
          finish(commit);
        },
      });
      reply({ id, result: txId });
    });
    stats.heldMs += performance.now() - held;
    stats.transactions++;
    if (!commit) await tx.rollback();
  }).then(
    () => {
      transactions.delete(txId);
      if (ended !== undefined) reply({ id: ended, result: null });
    },
    (err) => {
      const known = transactions.delete(txId);
      // A failed BEGIN answers the begin request; a failed COMMIT answers the end request.
      reply(failure(known && ended !== undefined ? ended : id, err));
    },
  );
}

async function handle(request: WorkerRequest): Promise<unknown> {
  if (request.op === "open") {
    if (request.statementLog) logStatements(request.statementLog);
    return open(request.dataDir, request.loadDataDir, request.sharedBuffers);
  }
  if (!pg) throw new Error("the embedded database is not open");
  switch (request.op) {
    case "query": {
      const target = request.tx === null ? pg : transactions.get(request.tx)?.tx;
      if (!target) throw new Error("the transaction is already closed");
      const arrived = performance.now();
      const inTransaction = request.tx !== null;
      const { rows, affectedRows, fields } =
        (await queryInOneCall(pg, request.sql, request.params, {
          rowMode: request.rowMode,
          inTransaction,
        })) ?? (await target.query(request.sql, request.params, { rowMode: request.rowMode }));
      const end = performance.now();
      const own = end - Math.max(arrived, lastEnd);
      stats.busyMs += own;
      stats.statements++;
      if (byStatement) timeStatement(request.sql, own, end - (request.sentAt - performance.timeOrigin) - own);
      lastEnd = end;
      return { rows, affectedRows, fields };
    }
    case "stats":
      return { ...stats };
    case "dump":
      // Uncompressed: the backup archive compresses everything once.
      return (await pg.dumpDataDir("none")).arrayBuffer();
    case "close":
      await writeStatements?.();
      if (!pg.closed) await pg.close();
      return null;
  }
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.op === "begin") {
    if (!pg) return reply(failure(request.id, new Error("the embedded database is not open")));
    return begin(request.id, pg);
  }
  if (request.op === "end") {
    const open = transactions.get(request.tx);
    if (!open) return reply(failure(request.id, new Error("the transaction is already closed")));
    return open.finish(request.commit, request.id);
  }
  handle(request).then(
    (result) => reply({ id: request.id, result }),
    (err) => reply(failure(request.id, err)),
  );
};
