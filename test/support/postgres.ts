import { SQL } from "bun";

/** The test PostgreSQL server: local, trust auth. Tests never touch its `postgres` database's data. */
const serverUrl = "postgres://postgres@127.0.0.1:5432";

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

async function onServer(statement: string) {
  const admin = new SQL({ url: `${serverUrl}/postgres`, max: 1 });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.close();
  }
}

/** A new, empty database with a unique name on the test server, so test files can run side by side. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ajet_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await onServer(`CREATE DATABASE "${name}"`);
  return {
    name,
    url: `${serverUrl}/${name}`,
    drop: () => onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
