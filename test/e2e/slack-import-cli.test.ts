import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { loadConfig } from "../../lib/config.ts";
import { type Database, openDatabase } from "../../lib/db/client.ts";
import { attachments, communities, messages } from "../../lib/db/schema.ts";
import { openStore } from "../../lib/storage/open-store.ts";
import { boxEnv, runAdmin } from "../support/admin.ts";
import { type ChatServer, jsonOver, signUp, startChatServer } from "../support/chat-server.ts";
import { TEST_INTERNAL_SECRET } from "../support/internal.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { startS3, type TestS3 } from "../support/s3.ts";
import { buildSlackExport, writeSlackExportZip } from "../support/slack-export.ts";
import { jsonLines, runCli } from "../support/terminal.ts";

interface ReportLine {
  what: string;
  count: number;
  detail: string;
}
const counted = (lines: ReportLine[], what: string) => lines.find((l) => l.what === what)?.count;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "slack-import-cli-"));
  await writeSlackExportZip(buildSlackExport(), join(dir, "export.zip"));
  writeFileSync(join(dir, "not-a-zip.zip"), "hello");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// `ajet-chat admin import slack` from a shell on the box of a running `bun run start`.
describe("ajet-chat admin import slack against a running embedded server", () => {
  let chat: ChatServer;
  const admin = (...args: string[]) => runAdmin(boxEnv(chat), ["admin", ...args]);
  // From the export's folder, naming it relatively: the server's working directory is elsewhere.
  const importIt = (...extra: string[]) =>
    runCli(["admin", "import", "slack", "export.zip", "--community", "acme", ...extra], {
      env: { AJET_LOG_LEVEL: "warn", ...boxEnv(chat) },
      cwd: dir,
    });

  beforeAll(async () => {
    chat = await startChatServer();
  });
  afterAll(async () => {
    await chat.stop();
  });

  test("imports the export, progress on stderr and the report as JSON lines; the history is there and read", async () => {
    const result = await importIt("--json");
    expect(result.code).toBe(0);
    // Through the server's socket, its progress lines reach the shell as they happen.
    expect(result.stderr.trim().split("\n")).toEqual([
      "people: 5 new, 0 already here",
      "#general: 9 new messages",
      "#engineering: 2 new messages",
      "#secret-plans: 2 new messages",
      "dm D0ALICEBOB: 2 new messages",
      "group_dm mpdm-alice--bob--carol-1: 1 new message",
    ]);
    const lines = jsonLines<ReportLine>(result.stdout);
    expect(counted(lines, "users.created")).toBe(5);
    expect(counted(lines, "messages.imported")).toBe(16);
    expect(counted(lines, "files.missing")).toBe(1);
    expect(lines.filter((l) => l.what === "skipped").map((l) => l.detail)).toContainEqual(
      expect.stringContaining("file missing from the export"),
    );

    const list = await chat.api<{ items: { id: string; name: string; unread_count: number }[] }>(
      chat.owner,
      "GET",
      "/api/communities/acme/channels",
    );
    expect(list.items.map((c) => c.name)).toEqual(expect.arrayContaining(["general", "engineering"]));
    expect(list.items.map((c) => c.name)).not.toContain("secret-plans");
    const general = list.items.find((c) => c.name === "general");
    expect(general?.unread_count).toBe(0);
    const history = await chat.api<{ items: { body_md: string }[] }>(
      chat.owner,
      "GET",
      `/api/channels/${general?.id}/messages`,
    );
    expect(history.items.map((m) => m.body_md)).toContain("Build **passed** on main");
  });

  test("a second run adds nothing and says so", async () => {
    expect((await importIt()).code).toBe(0);
    const result = await importIt("--json");
    expect(result.code).toBe(0);
    const lines = jsonLines<ReportLine>(result.stdout);
    expect(counted(lines, "messages.imported")).toBe(0);
    expect(counted(lines, "messages.existing")).toBe(16);
    expect(counted(lines, "users.created")).toBe(0);
  });

  test("a claim link from the admin CLI signs its person in as the imported account, once", async () => {
    expect((await importIt()).code).toBe(0);
    const made = await admin("import", "claim", "@bob", "--community", "acme");
    expect(made.code).toBe(0);
    const link = made.stdout.split("\n")[0] as string;
    expect(link).toStartWith(`${chat.base}/invite/`);
    const bob = await signUp(jsonOver(chat.base), new URL(link).pathname, "not-bob");
    const me = await chat.api<{ username: string }>(bob, "GET", "/api/me");
    expect(me.username).toBe("bob");
    const dms = await chat.api<{ items: { type: string }[] }>(bob, "GET", "/api/dm");
    expect(dms.items.map((d) => d.type).sort()).toEqual(["dm", "group_dm"]);
    const again = await fetch(`${chat.base}${new URL(link).pathname}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "mallory", display_name: "Mallory" }),
    });
    expect(again.status).toBe(404);
    const claimed = await admin("import", "claim", "@bob", "--community", "acme");
    expect(claimed.code).not.toBe(0);
    expect(claimed.stderr).toContain("claimed already");
  });

  test("a missing file, a file that is not a zip, and an unknown community are one-line errors", async () => {
    const missing = await admin("import", "slack", join(dir, "nope.zip"), "--community", "acme");
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain("no such file");
    const garbage = await admin("import", "slack", join(dir, "not-a-zip.zip"), "--community", "acme");
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toContain("not a readable zip");
    const nowhere = await admin("import", "slack", join(dir, "export.zip"), "--community", "nowhere");
    expect(nowhere.code).toBe(3);
    expect(nowhere.stderr.trim().split("\n")).toHaveLength(1);
  });
});

// With PostgreSQL and S3 configured the command works on them itself, and shows progress on stderr.
describe("ajet-chat admin import slack against PostgreSQL and S3", () => {
  let database: TestDatabase;
  let s3: TestS3;
  let env: Record<string, string>;
  let db: Database;

  beforeAll(async () => {
    [database, s3] = await Promise.all([createTestDatabase(), startS3()]);
    env = {
      DATABASE_URL: database.url,
      AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AJET_DATA_DIR: "/proc/ajet-chat-no-data-dir",
      AJET_LOG_LEVEL: "warn",
    };
    db = await openDatabase(loadConfig(env).database, { migrate: true });
    await db.db.insert(communities).values({ name: "Acme", slug: "acme" });
  });
  afterAll(async () => {
    await db?.close();
    await Promise.all([database?.drop(), s3?.stop()]);
  });

  test("prints one progress line per conversation and stores the export's file in S3", async () => {
    const result = await runAdmin(env, [
      "admin",
      "import",
      "slack",
      join(dir, "export.zip"),
      "--community",
      "acme",
    ]);
    expect(result.code).toBe(0);
    const progress = result.stderr.trim().split("\n");
    expect(progress).toContain("#general: 9 new messages");
    expect(progress).toContain("#secret-plans: 2 new messages");
    expect(progress.filter((l) => /new messages?$/.test(l))).toHaveLength(5);
    const [photo] = await db.db
      .select({ key: attachments.storageKey })
      .from(attachments)
      .innerJoin(messages, eq(messages.id, attachments.messageId))
      .where(eq(messages.bodyMd, "the team photo"));
    const store = await openStore(loadConfig(env).storage);
    try {
      expect((await store.head(photo?.key as string))?.size).toBe(
        (buildSlackExport().files.F0PHOTO as { body: Uint8Array }).body.length,
      );
    } finally {
      await store.close();
    }
  });
});
