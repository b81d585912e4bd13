// One statement in one call into the embedded database. PGlite's own `query` makes six calls per
// statement (parse, describe its parameters, bind, describe, execute, sync), the second only to learn
// how to turn each JavaScript value into text. The values drizzle hands are text already, or numbers,
// booleans and nulls, whose text is plain: then the whole exchange goes in as one protocol message
// and PostgreSQL infers each parameter's type as it does for PGlite's own path. Anything else
// (objects, arrays, dates, bytes) is left to PGlite's `query`.
import { type PGlite, parse, protocol, type Results } from "@electric-sql/pglite";

const { serialize } = protocol;

/** The parts of PGlite this uses that its types keep private: the locks its own `query` takes. */
interface Locks {
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
  parsers: Parameters<typeof parse.parseResults>[1];
}

/** Each value as the text PGlite would send for it, or null when one needs PGlite's own serializers. */
function plainText(params: unknown[]): (string | null)[] | null {
  const values: (string | null)[] = [];
  for (const v of params) {
    if (v === null || v === undefined) values.push(null);
    else if (typeof v === "string") values.push(v);
    else if (typeof v === "number" || typeof v === "bigint") values.push(String(v));
    else if (typeof v === "boolean") values.push(v ? "t" : "f");
    else return null;
  }
  return values;
}

// Statements keep a name, so PostgreSQL parses (and, once a generic plan serves, plans) each text
// once, not on every call: a history page spent a third of its time being planned. PGlite is one
// session, so the names are this thread's alone. The least recently used name goes when there are
// too many (texts with a list of values vary by its length).
const MAX_NAMED = 500;
interface Named {
  name: string;
  /** Parsed under its name: false until a call that parsed it succeeded. */
  ready: boolean;
}
const named = new Map<string, Named>();
let lastName = 0;

/** The protocol messages that prepare (when needed) and bind `sql` under its name. */
function bindNamed(sql: string, values: (string | null)[]): { parts: Uint8Array[]; entry: Named } {
  let entry = named.get(sql);
  const parts: Uint8Array[] = [];
  if (entry) named.delete(sql);
  else {
    entry = { name: `ajet_${++lastName}`, ready: false };
    const [oldest] = named;
    if (named.size >= MAX_NAMED && oldest) {
      named.delete(oldest[0]);
      parts.push(serialize.close({ type: "S", name: oldest[1].name }));
    }
  }
  named.set(sql, entry);
  // A name whose parse failed may exist or not (the error came later, at bind): closing one that
  // does not exist is no error.
  if (!entry.ready)
    parts.push(
      serialize.close({ type: "S", name: entry.name }),
      serialize.parse({ text: sql, name: entry.name }),
    );
  parts.push(serialize.bind({ statement: entry.name, values }));
  return { parts, entry };
}

/**
 * Runs `sql` on `pg` in one call when its values allow, under the same locks as PGlite's `query`:
 * outside a transaction it waits for any open one; inside (`inTransaction`) that transaction holds
 * them already. Returns null when PGlite's own `query` must run it.
 */
export async function queryInOneCall<T>(
  pg: PGlite,
  sql: string,
  params: unknown[],
  options: { rowMode: "array" | "object"; inTransaction: boolean },
): Promise<Results<T> | null> {
  const values = plainText(params);
  if (!values) return null;
  const { parts, entry } = bindNamed(sql, values);
  const message = Buffer.concat([
    ...parts,
    serialize.describe({ type: "P" }),
    serialize.execute({}),
    serialize.sync(),
  ]);
  const locks = pg as unknown as Locks;
  const run = () =>
    locks._runExclusiveQuery(async () => {
      // Outside a transaction a write reaches the files now, as PGlite's own `query` does.
      const { messages } = await pg.execProtocol(message, { syncToFs: !options.inTransaction });
      entry.ready = true;
      return parse.parseResults(messages, locks.parsers, { rowMode: options.rowMode })[0] as Results<T>;
    });
  return options.inTransaction ? run() : locks._runExclusiveTransaction(run);
}
