import type { Db } from "./client.ts";

/**
 * A statement built once per database handle rather than on every call: on a hot path drizzle
 * spends more CPU turning a query into SQL text than the driver spends sending it. Keyed by
 * handle, so a transaction (a handle of its own) gets its own and nothing prepared on the pool ever
 * runs outside the transaction it was meant for. Both drivers (PGlite, Bun SQL) take the result
 * with `sql.placeholder` values; Bun SQL also prepares the text once per connection.
 */
export function prepared<T>(build: (db: Db) => T): (db: Db) => T {
  const byHandle = new WeakMap<Db, T>();
  return (db) => {
    let statement = byHandle.get(db);
    if (statement === undefined) {
      statement = build(db);
      byHandle.set(db, statement);
    }
    return statement;
  };
}

/**
 * Like `prepared`, for a statement that comes in a few shapes (which optional filters a request
 * uses): each shape is built once per handle, on first use.
 */
export function preparedShapes<K extends string, T>(build: (db: Db, shape: K) => T): (db: Db, shape: K) => T {
  const byHandle = new WeakMap<Db, Map<K, T>>();
  return (db, shape) => {
    let shapes = byHandle.get(db);
    if (shapes === undefined) {
      shapes = new Map();
      byHandle.set(db, shapes);
    }
    let statement = shapes.get(shape);
    if (statement === undefined) {
      statement = build(db, shape);
      shapes.set(shape, statement);
    }
    return statement;
  };
}
