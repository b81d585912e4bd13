import { queryDuration, trackPoolInUse, trackPoolSize, trackPoolWaiting } from "./metrics.ts";

/**
 * Times what a database driver runs and counts what holds a connection. Neither Bun's SQL pool nor
 * PGlite exposes pool counters, so they are counted here: a statement outside a transaction holds
 * a connection while it runs, a transaction for its whole length; past the pool's size the rest are
 * waiting for one.
 */
export function createDbMeter(kind: "postgres" | "pglite", poolSize: number) {
  let busy = 0;
  const untrack = [
    trackPoolInUse(kind, () => Math.min(busy, poolSize)),
    trackPoolWaiting(kind, () => Math.max(0, busy - poolSize)),
    trackPoolSize(kind, () => poolSize),
  ];
  async function hold<T>(what: "statement" | "transaction", run: () => Promise<T>): Promise<T> {
    busy++;
    const end = queryDuration.startTimer({ kind: what });
    try {
      return await run();
    } finally {
      busy--;
      end();
    }
  }
  return {
    hold,
    /**
     * The same lazy query, timed when it is first awaited: Bun's SQL runs a query on `then`, and
     * drizzle chains `.values()` (which answers the query itself) before awaiting it.
     */
    lazy<Q extends PromiseLike<unknown>>(query: Q): Q {
      const then = query.then.bind(query);
      let ran: Promise<unknown> | undefined;
      // biome-ignore lint/suspicious/noThenProperty: the query is a thenable already; this times it.
      Object.defineProperty(query, "then", {
        value: (ok?: (v: unknown) => unknown, fail?: (e: unknown) => unknown) => {
          ran ??= hold("statement", () => new Promise((resolve, reject) => then(resolve, reject)));
          return ran.then(ok, fail);
        },
      });
      return query;
    },
    close() {
      for (const u of untrack) u();
    },
  };
}

export type DbMeter = ReturnType<typeof createDbMeter>;

/**
 * A view of `client` whose named methods go through `wrap` and whose others are the client's own,
 * bound to it (native clients and PGlite keep private state that a proxy receiver cannot reach).
 */
export function instrument<T extends object>(
  client: T,
  wrap: Partial<
    Record<keyof T, (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown>
  >,
): T {
  const made = new Map<PropertyKey, unknown>();
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (!made.has(prop)) {
        const original = value.bind(target);
        const wrapper = wrap[prop as keyof T];
        made.set(prop, wrapper ? wrapper(original) : original);
      }
      return made.get(prop);
    },
  });
}
