import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../lib/db/client.ts";
import { StartupError } from "../../lib/startup-error.ts";
import { freePort } from "../support/ports.ts";

/** The error `promise` rejects with, or a failure when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection, but it resolved");
}

/** What `serve` would print: a StartupError's message, checked to be a single line with no stack. */
async function startupFailure(promise: Promise<unknown>): Promise<string> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(StartupError);
  const { message } = err as StartupError;
  expect(message).not.toContain("\n");
  expect(message).not.toMatch(/\bat .+:\d+:\d+/);
  return message;
}

describe("the embedded database's data dir", () => {
  let parent: string;
  let dir: string;
  let lockFile: string;

  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), "ajet-pglite-"));
    dir = join(parent, "data");
    lockFile = `${dir}.lock`;
  });

  afterAll(() => {
    rmSync(parent, { recursive: true, force: true });
  });

  test("is refused as in use while another open holds it, and opens again once that one closes", async () => {
    const first = await openDatabase({ kind: "pglite", dir });

    const message = await startupFailure(openDatabase({ kind: "pglite", dir }));
    expect(message).toContain(`the data dir ${dir} is in use`);
    expect(message).toContain(`pid ${process.pid}`);
    // The refused open must not have taken the lock from under the first.
    expect(readFileSync(lockFile, "utf8")).toBe(String(process.pid));
    await first.ping();

    await first.close();
    expect(existsSync(lockFile)).toBe(false);

    const again = await openDatabase({ kind: "pglite", dir });
    await again.ping();
    await again.close();
  });

  test("a lock left by a process that is gone is taken over", async () => {
    writeFileSync(lockFile, "999999");

    const database = await openDatabase({ kind: "pglite", dir });
    expect(readFileSync(lockFile, "utf8")).toBe(String(process.pid));
    await database.ping();

    await database.close();
    expect(existsSync(lockFile)).toBe(false);
  });

  // In a container the server is pid 1 on every restart, so a killed server's lock names the new one.
  test("a lock left by an earlier process with this process's pid is taken over", async () => {
    writeFileSync(lockFile, String(process.pid));

    const database = await openDatabase({ kind: "pglite", dir });
    await database.ping();
    await database.close();
    expect(existsSync(lockFile)).toBe(false);
  });

  test("the buffer pool is the configured size, and PostgreSQL's own default without one", async () => {
    const configured = await openDatabase({ kind: "pglite", dir, sharedBuffers: "24MB" });
    const shown = async (database: typeof configured) =>
      (
        (await database.db.execute("show shared_buffers")) as unknown as {
          rows: { shared_buffers: string }[];
        }
      ).rows[0]?.shared_buffers;
    expect(await shown(configured)).toBe("24MB");
    await configured.close();
    const unset = await openDatabase({ kind: "pglite", dir });
    expect(await shown(unset)).toBe("128MB");
    await unset.close();
  });

  test("with a statement log, its time by statement text is written there, and nothing without one", async () => {
    const log = join(parent, "statements.tsv");
    const logged = await openDatabase({ kind: "pglite", dir, statementLog: log });
    await logged.db.execute("select 41 + 1 as answer");
    await logged.close();
    const lines = readFileSync(log, "utf8").trim().split("\n");
    expect(lines[0]).toBe("% of time\tcount\tms each\tworst ms\twaited ms each\tworst wait ms\tstatement");
    expect(lines.find((l) => l.endsWith("\tselect 41 + 1 as answer"))?.split("\t")[1]).toBe("1");
    rmSync(log);

    const quiet = await openDatabase({ kind: "pglite", dir });
    await quiet.db.execute("select 41 + 1 as answer");
    await quiet.close();
    expect(existsSync(log)).toBe(false);
  });
});

describe("a PostgreSQL server that cannot be used", () => {
  test("a closed port stops start-up with one line naming the address", async () => {
    const port = freePort();
    const message = await startupFailure(
      openDatabase(
        { kind: "postgres", url: `postgres://postgres@127.0.0.1:${port}/ajet` },
        { migrate: true },
      ),
    );
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toMatch(/connect/i);
  });

  test("a database that does not exist stops start-up with one line naming it", async () => {
    const name = `ajet_missing_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const message = await startupFailure(
      openDatabase(
        { kind: "postgres", url: `postgres://postgres@127.0.0.1:5432/${name}` },
        { migrate: true },
      ),
    );
    expect(message).toContain(`database "${name}" does not exist`);
  });

  test("the message never shows the URL's password", async () => {
    const message = await startupFailure(
      openDatabase({ kind: "postgres", url: `postgres://chat:hunter2@127.0.0.1:${freePort()}/ajet` }),
    );
    expect(message).not.toContain("hunter2");
    expect(message).toContain("chat:***@127.0.0.1");
  });
});
