import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { loadConfig } from "../../lib/config.ts";
import { openDatabase } from "../../lib/db/client.ts";
import { resultRows } from "../../lib/db/migrate.ts";
import { populateChat, runAdmin, whilePostingFiles } from "../support/admin.ts";
import { type ChatPerson, type ChatServer, startChatServer } from "../support/chat-server.ts";
import { snapshotFiles, snapshotTables } from "../support/deployment-snapshot.ts";
import { freePort } from "../support/ports.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { spawnChild, waitUntilReady } from "../support/process.ts";
import { startS3, type TestS3 } from "../support/s3.ts";

const scratch = mkdtempSync(join(tmpdir(), "ajet-backup-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const embeddedConfig = (dataDir: string) => loadConfig({ AJET_DATA_DIR: dataDir });

/**
 * The tables as they were backed up: a restore adds exactly one audit row of its own (checked here),
 * saying when and from which backup the deployment was restored.
 */
function withoutRestoreRow(tables: Record<string, string[]>): Record<string, string[]> {
  const audit = tables.audit_log ?? [];
  const restoreRows = audit.filter((row) => JSON.parse(row).action === "backup.restored");
  expect(restoreRows).toHaveLength(1);
  const data = JSON.parse(restoreRows[0] as string).data;
  expect(data).toMatchObject({
    actor: "local-admin",
    os_user: expect.any(String),
    files: expect.any(Number),
  });
  expect(typeof data.backup_created_at).toBe("string");
  return { ...tables, audit_log: audit.filter((row) => !restoreRows.includes(row)) };
}

// `ajet-chat backup` against a real `bun run start`, and `ajet-chat restore` into an empty data dir.
describe("backup and restore of the embedded server", () => {
  let chat: ChatServer;
  let alice: ChatPerson;
  let general = "";

  beforeAll(async () => {
    chat = await startChatServer();
    ({ alice, general } = await populateChat(chat));
  });
  afterAll(async () => {
    await chat.stop();
  });

  test("a backup taken while alice keeps posting files holds every file its database refers to", async () => {
    const archive = join(scratch, "busy.tar.gz");
    const { result: backup, posted } = await whilePostingFiles(chat.base, alice, general, () =>
      runAdmin({ AJET_DATA_DIR: chat.dataDir }, ["backup", archive]),
    );
    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    expect(posted).toBeGreaterThan(0);

    const restoredDir = join(scratch, "busy-restored");
    const restore = await runAdmin({ AJET_DATA_DIR: restoredDir }, ["restore", archive]);
    expect(restore.stderr).toBe("");
    const restored = embeddedConfig(restoredDir);
    const db = await openDatabase(restored.database);
    const keys = resultRows<{ key: string }>(
      await db.db.execute(sql`select storage_key as key from attachments`),
    ).map((r) => r.key);
    await db.close();
    // The two files of the populated chat, and however many busy ones the dump caught.
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const files = await snapshotFiles(restored.storage);
    const source = await snapshotFiles(embeddedConfig(chat.dataDir).storage);
    for (const key of keys) {
      expect(files[`objects/${key}`]).toBe(source[`objects/${key}`] as string);
      expect(files[`meta/${key}.json`]).toBe(source[`meta/${key}.json`] as string);
    }
    // Files no row refers to are not brought back.
    expect(Object.keys(files)).toHaveLength(keys.length * 2);
  });

  test("a backup restored into an empty data dir has every table and file, and serves the same chat", async () => {
    const archive = join(scratch, "quiet.tar.gz");
    const backup = await runAdmin({ AJET_DATA_DIR: chat.dataDir }, ["backup", archive]);
    expect(backup.stdout.trim()).toBe(`backup written to ${archive}`);
    await chat.child.stop();

    const restoredDir = join(scratch, "quiet-restored");
    const restore = await runAdmin({ AJET_DATA_DIR: restoredDir }, ["restore", archive]);
    expect(restore.stderr).toBe("");
    expect(restore.stdout).toMatch(/^restored the backup of \S+ \(\d+ files\)\n$/);

    const source = embeddedConfig(chat.dataDir);
    const target = embeddedConfig(restoredDir);
    const [before, restoredAfter] = [
      await snapshotTables(source.database),
      await snapshotTables(target.database),
    ];
    const after = withoutRestoreRow(restoredAfter);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const table of Object.keys(before))
      expect({ table, rows: after[table] }).toEqual({ table, rows: before[table] });
    expect(before.messages?.length).toBeGreaterThan(5);
    expect(before.reactions?.length).toBe(1);
    expect(before.sessions?.length).toBeGreaterThan(1);
    expect(await snapshotFiles(target.storage)).toEqual(await snapshotFiles(source.storage));

    // With the server stopped, the CLI takes the data dir's lock and makes the archive itself.
    const stoppedArchive = join(scratch, "stopped.tar.gz");
    expect((await runAdmin({ AJET_DATA_DIR: chat.dataDir }, ["backup", stoppedArchive])).stderr).toBe("");
    const stoppedDir = join(scratch, "stopped-restored");
    expect((await runAdmin({ AJET_DATA_DIR: stoppedDir }, ["restore", stoppedArchive])).stderr).toBe("");
    expect(withoutRestoreRow(await snapshotTables(embeddedConfig(stoppedDir).database))).toEqual(
      await snapshotTables(source.database),
    );

    // The restored chat serves alice with her old session, her messages and her files.
    const port = freePort();
    const server = spawnChild(["bun", "run", "start"], {
      AJET_DATA_DIR: restoredDir,
      AJET_PORT: String(port),
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitUntilReady(server, `${base}/readyz`);
      const auth = { authorization: `Bearer ${alice.token}` };
      // The whole channel, page by page: how many files the earlier test posted depends on its speed.
      type Item = { id: string; body_md: string; attachments: { id: string; filename: string }[] };
      const items: Item[] = [];
      for (let before = ""; ; ) {
        const url = `${base}/api/channels/${general}/messages?limit=200${before ? `&before=${before}` : ""}`;
        const page = (await (await fetch(url, { headers: auth })).json()) as { items: Item[] };
        items.push(...page.items);
        const last = page.items.at(-1);
        if (!last) break;
        before = last.id;
      }
      expect(items.map((m) => m.body_md)).toContain("hello **team**");
      const plan = items.flatMap((m) => m.attachments).find((a) => a.filename === "Grüße – plan.txt");
      const download = await fetch(`${base}/api/attachments/${plan?.id}`, { headers: auth });
      expect(await download.text()).toBe("the plan\n");
    } finally {
      await server.stop();
    }
  });

  test("restore refuses a data dir that holds a database, a mismatched mode and a cut archive, leaving the target as it was", async () => {
    // Through the running server, or on the data itself once another test stopped it.
    const archive = join(scratch, "refused.tar.gz");
    expect((await runAdmin({ AJET_DATA_DIR: chat.dataDir }, ["backup", archive])).code).toBe(0);
    const full = await runAdmin({ AJET_DATA_DIR: chat.dataDir }, ["restore", archive]);
    expect(full.code).toBe(1);
    expect(full.stderr).toStartWith("ajet-chat: the data dir already holds a database");

    const otherMode = await runAdmin(
      {
        AJET_DATA_DIR: join(scratch, "never"),
        DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
        AJET_INTERNAL_SECRET: "x".repeat(32),
      },
      ["restore", archive],
    );
    expect(otherMode.code).not.toBe(0);
    expect(otherMode.stderr.trim().split("\n")).toHaveLength(1);

    const bytes = await Bun.file(archive).bytes();
    const cut = join(scratch, "cut.tar.gz");
    await Bun.write(cut, bytes.slice(0, Math.floor(bytes.length * 0.9)));
    const emptyDir = join(scratch, "cut-restored");
    const broken = await runAdmin({ AJET_DATA_DIR: emptyDir }, ["restore", cut]);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(emptyDir, "pg"))).toBe(false);
    expect(
      readdirSync(join(emptyDir, "files", "objects"), { recursive: true }).filter((f) =>
        String(f).includes("."),
      ),
    ).toEqual([]);
  });
});

describe("backup and restore with PostgreSQL and S3", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let s3: TestS3;
  let s3Target: TestS3;
  let chat: ChatServer;
  let general = "";
  const secret = "s".repeat(40);
  const envOf = (db: TestDatabase, bucket: TestS3, dataDir: string) => ({
    AJET_DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    AJET_INTERNAL_SECRET: secret,
    S3_ENDPOINT: bucket.endpoint,
    S3_BUCKET: bucket.bucket,
    S3_ACCESS_KEY_ID: bucket.accessKeyId,
    S3_SECRET_ACCESS_KEY: bucket.secretAccessKey,
  });

  beforeAll(async () => {
    [source, target, s3, s3Target] = await Promise.all([
      createTestDatabase(),
      createTestDatabase(),
      startS3(),
      startS3(),
    ]);
    const { AJET_DATA_DIR: _, ...env } = envOf(source, s3, "");
    chat = await startChatServer(env);
    ({ general } = await populateChat(chat));
  });
  afterAll(async () => {
    await chat?.stop();
    await Promise.all([source?.drop(), target?.drop(), s3?.stop(), s3Target?.stop()]);
  });

  test("a backup taken while alice keeps posting files holds every file its dump refers to", async () => {
    const archive = join(scratch, "pg-busy.tar.gz");
    const { result: backup } = await whilePostingFiles(chat.base, chat.owner, general, () =>
      runAdmin(envOf(source, s3, join(scratch, "pg-box")), ["backup", archive]),
    );
    expect(backup.stderr).toBe("");
    const [db, bucket] = await Promise.all([createTestDatabase(), startS3()]);
    try {
      const restore = await runAdmin(envOf(db, bucket, join(scratch, "pg-busy-box")), ["restore", archive]);
      expect(restore.stderr).toBe("");
      const config = loadConfig(envOf(db, bucket, scratch));
      const files = await snapshotFiles(config.storage);
      const rows = (await snapshotTables(config.database)).attachments ?? [];
      const keys = rows.map((r) => (JSON.parse(r) as { storage_key: string }).storage_key);
      expect(keys.length).toBeGreaterThan(2);
      expect(Object.keys(files).sort()).toEqual(keys.sort());
    } finally {
      await Promise.all([db.drop(), bucket.stop()]);
    }
  });

  test("a backup of the running server restored into an empty database and bucket has every table and file", async () => {
    const archive = join(scratch, "pg.tar.gz");
    const backup = await runAdmin(envOf(source, s3, join(scratch, "pg-box")), ["backup", archive]);
    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    const restore = await runAdmin(envOf(target, s3Target, join(scratch, "pg-box-2")), ["restore", archive]);
    expect(restore.stderr).toBe("");
    expect(restore.code).toBe(0);

    const from = loadConfig(envOf(source, s3, scratch));
    const to = loadConfig(envOf(target, s3Target, scratch));
    const [before, restored] = [await snapshotTables(from.database), await snapshotTables(to.database)];
    const after = withoutRestoreRow(restored);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const table of Object.keys(before))
      expect({ table, rows: after[table] }).toEqual({ table, rows: before[table] });
    expect(before.attachments?.length).toBeGreaterThanOrEqual(2);
    const files = await snapshotFiles(to.storage);
    expect(Object.keys(files)).toHaveLength(before.attachments?.length ?? -1);
    expect(files).toEqual(await snapshotFiles(from.storage));

    // A second restore finds the database no longer empty and changes nothing.
    const again = await runAdmin(envOf(target, s3Target, join(scratch, "pg-box-2")), ["restore", archive]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("is not empty: restore into a new one");
    expect(await snapshotTables(to.database)).toEqual(restored);

    // An empty database but a bucket that holds the chat's files already: refused, nothing written.
    const fresh = await createTestDatabase();
    try {
      const into = await runAdmin(envOf(fresh, s3Target, join(scratch, "pg-box-3")), ["restore", archive]);
      expect(into.code).toBe(1);
      expect(into.stderr).toContain("the file store already holds");
      expect(await snapshotTables(loadConfig(envOf(fresh, s3Target, scratch)).database)).toEqual({});
      expect(await snapshotFiles(to.storage)).toEqual(files);
    } finally {
      await fresh.drop();
    }
  });
});
