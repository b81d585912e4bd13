import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { count, eq } from "drizzle-orm";
import { doSweepPendingUploads, PENDING_UPLOAD_TTL_MS } from "../../lib/attachments/sweep.ts";
import { createApiToken } from "../../lib/auth/api-tokens.ts";
import type { Scope } from "../../lib/auth/scopes.ts";
import type { BusMessage, EventBus } from "../../lib/bus/event-bus.ts";
import { createMemoryBus } from "../../lib/bus/memory-bus.ts";
import { loadConfig } from "../../lib/config.ts";
import { apiUsers, attachments, communities, messages, users } from "../../lib/db/schema.ts";
import type { App } from "../../lib/http/app.ts";
import { createDiskStore } from "../../lib/storage/disk-store.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { createS3Store } from "../../lib/storage/s3-store.ts";
import { createApiApp } from "../../services/api/main.ts";
import { DB_KINDS, type DbKind, delivered, type Person, startTestApi, type TestApi } from "../support/api.ts";
import { TEST_INTERNAL_SECRET, trustedHop } from "../support/internal.ts";
import { startS3 } from "../support/s3.ts";

const MiB = 1024 * 1024;
const SMALL_LIMIT = 1000;

interface StoreSubject {
  store: ObjectStore;
  /** Every key in the store, sorted. */
  keys(): Promise<string[]>;
  stop(): Promise<void>;
}

// startTestApi's disk store is out of reach, so these tests build the API over its database with
// a store they can list: "nothing left behind" has to be checked in the store itself.
const stores: Record<ObjectStore["kind"], () => Promise<StoreSubject>> = {
  async disk() {
    const root = mkdtempSync(join(tmpdir(), "ajet-attachments-"));
    const objects = join(root, "objects");
    return {
      store: createDiskStore(root),
      keys: async () =>
        existsSync(objects)
          ? readdirSync(objects, { recursive: true, encoding: "utf8" })
              .filter((name) => statSync(join(objects, name)).isFile())
              .sort()
          : [],
      async stop() {
        rmSync(root, { recursive: true, force: true });
      },
    };
  },
  async s3() {
    const s3 = await startS3();
    const config = { endpoint: s3.endpoint, region: "us-east-1", forcePathStyle: true };
    const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    const store = createS3Store({ kind: "s3", bucket: s3.bucket, ...config, ...credentials });
    const client = new S3Client({ ...config, credentials });
    return {
      store,
      async keys() {
        const out = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
        return (out.Contents ?? []).map((o) => o.Key ?? "").sort();
      },
      async stop() {
        client.destroy();
        await store.close();
        await s3.stop();
      },
    };
  },
};

type Caller = Person | string | null;

/** Calls `app` as `who`: FormData goes as multipart, anything else as JSON. */
const caller =
  (app: App) =>
  (who: Caller, method: string, path: string, body?: unknown): Promise<Response> => {
    const token = typeof who === "string" ? who : who?.token;
    const json = body !== undefined && !(body instanceof FormData);
    return app.fetch(
      new Request(`http://api.test${path}`, {
        method,
        headers: {
          ...trustedHop,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(json ? { "content-type": "application/json" } : {}),
        },
        body: json ? JSON.stringify(body) : (body as FormData | undefined),
      }),
    );
  };

/** A form with one file part and the given text fields. */
function form(file: { name: string; type?: string; bytes: Uint8Array | string }, fields = {}) {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, String(value));
  data.append("file", new Blob([file.bytes], file.type ? { type: file.type } : {}), file.name);
  return data;
}

const sha256 = (bytes: Uint8Array | ArrayBuffer) =>
  new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

const combos = DB_KINDS.flatMap((db) => (["disk", "s3"] as const).map((store) => ({ db, store })));

for (const { db: dbKind, store: storeKind } of combos) {
  describe(`attachments (${dbKind}, ${storeKind} store)`, () => {
    let api: TestApi;
    let subject: StoreSubject;
    let events: BusMessage[];
    let bus: EventBus;
    let call: ReturnType<typeof caller>;
    /** The same API with uploads limited to SMALL_LIMIT bytes. */
    let small: App;
    let callSmall: ReturnType<typeof caller>;
    let alice: Person;
    let bob: Person;
    let carol: Person;
    let eve: Person;
    let slugs = 0;

    beforeAll(async () => {
      api = await startTestApi(dbKind as DbKind);
      subject = await stores[storeKind]();
      bus = createMemoryBus({ replayBuffer: 1000 });
      events = [];
      await bus.subscribe("chat.>", (m) => events.push(m));
      const app = (env: Record<string, string>) =>
        createApiApp({
          config: loadConfig({ AJET_LOG_LEVEL: "error", AJET_INTERNAL_SECRET: TEST_INTERNAL_SECRET, ...env }),
          db: api.database,
          bus,
          store: subject.store,
        });
      call = caller(app({}));
      small = app({ AJET_MAX_UPLOAD_BYTES: String(SMALL_LIMIT) });
      callSmall = caller(small);
      alice = await api.person("alice");
      bob = await api.person("bob");
      carol = await api.person("carol");
      eve = await api.person("eve");
      // Carol has a community of her own; eve belongs to none.
      await call(carol, "POST", "/api/communities", { name: "Carol's", slug: "carols" });
    });

    afterAll(async () => {
      await api?.close();
      await subject?.stop();
    });

    /** A fresh community of alice's with bob in it: its #general and a private #secret only alice is in. */
    async function workspace() {
      const slug = `team-${++slugs}`;
      await call(alice, "POST", "/api/communities", { name: "Team", slug });
      await api.join(bob, slug);
      const list = (await (await call(alice, "GET", `/api/communities/${slug}/channels`)).json()) as {
        items: { id: string; name: string; community_id: string }[];
      };
      const general = list.items.find((c) => c.name === "general") as { id: string; community_id: string };
      const secret = (await (
        await call(alice, "POST", `/api/communities/${slug}/channels`, {
          name: "secret",
          visibility: "private",
        })
      ).json()) as { id: string };
      return { slug, communityId: general.community_id, general: general.id, secret: secret.id };
    }

    async function upload(who: Caller, channelId: string, data: FormData, via = call) {
      return via(who, "POST", `/api/channels/${channelId}/attachments`, data);
    }

    async function uploaded(who: Caller, channelId: string, data: FormData) {
      const res = await upload(who, channelId, data);
      expect(res.status).toBe(201);
      return (await res.json()) as {
        attachment: { id: string; filename: string; content_type: string; size_bytes: number; url: string };
      };
    }

    async function posted(who: Caller, channelId: string, data: FormData) {
      const res = await upload(who, channelId, data);
      expect(res.status).toBe(201);
      return (await res.json()) as {
        message: {
          id: string;
          body_md: string;
          attachments: { id: string; filename: string; url: string }[];
        };
      };
    }

    const rowsIn = async (channelId: string) =>
      api.database.db.select().from(attachments).where(eq(attachments.channelId, channelId));

    test("an upload without body_md stays pending until alice attaches it to her next message", async () => {
      const { general } = await workspace();
      const { attachment } = await uploaded(
        alice,
        general,
        form({ name: "notes.txt", type: "text/plain", bytes: "alice's notes" }),
      );
      expect(attachment).toMatchObject({
        filename: "notes.txt",
        content_type: "text/plain",
        size_bytes: 13,
        url: `/api/attachments/${attachment.id}`,
      });
      expect((await rowsIn(general)).map((r) => r.messageId)).toEqual([null]);

      const res = await call(alice, "POST", `/api/channels/${general}/messages`, {
        body_md: "my notes",
        attachment_ids: [attachment.id],
      });
      expect(res.status).toBe(201);
      const message = (await res.json()) as { id: string; attachments: { id: string }[] };
      expect(message.attachments.map((a) => a.id)).toEqual([attachment.id]);
      const again = (await (await call(bob, "GET", `/api/messages/${message.id}`)).json()) as typeof message;
      expect(again.attachments).toEqual([
        expect.objectContaining({ id: attachment.id, filename: "notes.txt" }),
      ]);
      expect(await (await call(bob, "GET", attachment.url)).text()).toBe("alice's notes");
    });

    test("a message with a file notifies whom it mentions as any message does, and lists the mention", async () => {
      const { general } = await workspace();
      const { attachment } = await uploaded(alice, general, form({ name: "draft.txt", bytes: "v1" }));
      events.length = 0;
      const res = await call(alice, "POST", `/api/channels/${general}/messages`, {
        body_md: "@bob the draft, @alice's copy",
        attachment_ids: [attachment.id],
      });
      expect(res.status).toBe(201);
      const message = (await res.json()) as { id: string; mentions: { type: string; username: string }[] };
      expect(message.mentions.map((m) => [m.type, m.username])).toEqual([
        ["user", "bob"],
        ["user", "alice"],
      ]);
      await delivered(bus);
      const told = events
        .filter((e) => e.event.type === "notification.created")
        .map((e) => [
          e.subject,
          (e.event.data.notification as { reason: string }).reason,
          e.event.data.preview,
        ]);
      expect(told).toEqual([[`chat.notifications.${bob.id}`, "mention", "@bob the draft, @alice's copy"]]);
    });

    test("uploads no message claimed within a day are swept, rows and files; others stay", async () => {
      const { general } = await workspace();
      const stale = (await uploaded(alice, general, form({ name: "stale.txt", bytes: "old" }))).attachment;
      const fresh = (await uploaded(alice, general, form({ name: "fresh.txt", bytes: "new" }))).attachment;
      const kept = (
        await posted(alice, general, form({ name: "kept.txt", bytes: "sent" }, { body_md: "with file" }))
      ).message.attachments[0] as { id: string };
      const staleRow = (await rowsIn(general)).find((r) => r.id === stale.id);
      const later = new Date(Date.now() + PENDING_UPLOAD_TTL_MS + 60_000);
      await api.database.db
        .update(attachments)
        .set({ createdAt: new Date(Date.now() - PENDING_UPLOAD_TTL_MS - 1) })
        .where(eq(attachments.id, stale.id));
      expect(await doSweepPendingUploads(api.database.db, subject.store, new Date())).toBe(1);
      const left = (await rowsIn(general)).map((r) => r.id).sort();
      expect(left).toEqual([fresh.id, kept.id].sort());
      expect(await subject.keys()).not.toContain(staleRow?.storageKey as string);
      expect((await call(alice, "GET", `/api/attachments/${stale.id}`)).status).toBe(404);
      // A day on, the fresh pending upload goes too; the attached one never does.
      expect(await doSweepPendingUploads(api.database.db, subject.store, later)).toBe(1);
      expect((await rowsIn(general)).map((r) => r.id)).toEqual([kept.id]);
    });

    test("an upload with body_md posts the message carrying the file in one go", async () => {
      const { general, communityId } = await workspace();
      events.length = 0;
      const { message } = await posted(
        alice,
        general,
        form({ name: "plan.md", type: "text/markdown", bytes: "# plan" }, { body_md: "the plan" }),
      );
      expect(message.body_md).toBe("the plan");
      expect(message.attachments).toEqual([expect.objectContaining({ filename: "plan.md" })]);
      const [row] = await rowsIn(general);
      expect(row?.messageId).toBe(message.id);
      expect(row?.storageKey).toBe(`${communityId}/${general}/${row?.id}/plan.md`);
      expect(await subject.keys()).toContain(row?.storageKey as string);

      await delivered(bus);
      const created = events.find((e) => e.event.type === "message.created");
      expect(created?.event.data).toMatchObject({
        message: { id: message.id, attachments: [expect.objectContaining({ filename: "plan.md" })] },
      });
    });

    test("a retried one-go post with the same client_msg_id returns the first message and keeps one file", async () => {
      const { general } = await workspace();
      const send = () =>
        upload(
          alice,
          general,
          form(
            { name: "photo.png", type: "image/png", bytes: "png" },
            { body_md: "look", client_msg_id: "k1" },
          ),
        );
      const first = await send();
      const keysAfterFirst = await subject.keys();
      const second = await send();
      expect([first.status, second.status]).toEqual([201, 200]);
      const [a, b] = (await Promise.all([first.json(), second.json()])) as { message: { id: string } }[];
      expect(b?.message.id).toBe(a?.message.id as string);
      expect(await rowsIn(general)).toHaveLength(1);
      expect(await subject.keys()).toEqual(keysAfterFirst);
    });

    test("a file of several megabytes downloads byte for byte", async () => {
      const { general } = await workspace();
      const bytes = crypto.getRandomValues(new Uint8Array(6 * MiB + 321));
      const { message } = await posted(
        alice,
        general,
        form({ name: "backup.tar.gz", type: "application/gzip", bytes }, { body_md: "backup" }),
      );
      const res = await call(bob, "GET", message.attachments[0]?.url as string);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe(String(bytes.byteLength));
      expect(sha256(await res.arrayBuffer())).toBe(sha256(bytes));
    });

    test("an upload over the limit is refused with 413, leaving no row, no message and no object", async () => {
      const { general } = await workspace();
      const keysBefore = await subject.keys();
      for (const fields of [{}, { body_md: "too big" }]) {
        const res = await upload(
          alice,
          general,
          form({ name: "big.bin", bytes: new Uint8Array(SMALL_LIMIT + 1) }, fields),
          callSmall,
        );
        expect(res.status).toBe(413);
        expect(await res.json()).toEqual({
          error: { code: "payload_too_large", message: expect.any(String) },
        });
      }
      expect(await rowsIn(general)).toEqual([]);
      const [posts] = await api.database.db
        .select({ n: count() })
        .from(messages)
        .where(eq(messages.channelId, general));
      expect(posts?.n).toBe(0);
      expect(await subject.keys()).toEqual(keysBefore);

      const exact = await upload(
        alice,
        general,
        form({ name: "exact.bin", bytes: new Uint8Array(SMALL_LIMIT) }),
        callSmall,
      );
      expect(exact.status).toBe(201);
    });

    /** An endless body of zeros, never a file part, counting the bytes read from it. */
    function endless() {
      const read = { bytes: 0 };
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            read.bytes += 64 * 1024;
            controller.enqueue(new Uint8Array(64 * 1024));
          },
        },
        { highWaterMark: 0 },
      );
      return { body, read };
    }

    const rawUpload = (who: Person, channelId: string, body: ReadableStream<Uint8Array>, headers = {}) =>
      small.fetch(
        new Request(`http://api.test/api/channels/${channelId}/attachments`, {
          method: "POST",
          headers: {
            ...trustedHop,
            authorization: `Bearer ${who.token}`,
            "content-type": "multipart/form-data; boundary=x",
            ...headers,
          },
          body,
        }),
      );

    test("a declared Content-Length over the limit is refused before the body is read", async () => {
      const { general } = await workspace();
      const { body, read } = endless();
      const res = await rawUpload(alice, general, body, { "content-length": String(10 * MiB) });
      expect(res.status).toBe(413);
      expect(read.bytes).toBe(0);
    });

    test("a body that never gets to a file part is cut off soon after the limit", async () => {
      const { general } = await workspace();
      const { body, read } = endless();
      const res = await rawUpload(alice, general, body);
      expect(res.status).toBe(413);
      expect(read.bytes).toBeLessThan(MiB);
    });

    test("a form without a file part is a 400 naming file, and a JSON body is too", async () => {
      const { general } = await workspace();
      const noFile = new FormData();
      noFile.append("body_md", "where is it");
      for (const res of [
        await upload(alice, general, noFile),
        await call(alice, "POST", `/api/channels/${general}/attachments`, { file: "notes.txt" }),
      ]) {
        expect(res.status).toBe(400);
        const { error } = (await res.json()) as { error: { message: string } };
        expect(error.message).toStartWith("file:");
      }
      const two = form({ name: "a.txt", bytes: "a" });
      two.append("file", new Blob(["b"]), "b.txt");
      expect((await upload(alice, general, two)).status).toBe(400);
      expect(await rowsIn(general)).toEqual([]);
    });

    test("an upload whose message cannot be posted leaves no row and no object", async () => {
      const { general } = await workspace();
      const keysBefore = await subject.keys();
      const cases: [Record<string, string>, number][] = [
        [{ body_md: "reply", parent_id: Bun.randomUUIDv7() }, 404],
        [{ body_md: "   " }, 400],
        [{ body_md: "x", parent_id: "not-a-uuid" }, 400],
        [{ body: "the wrong field name" }, 400],
      ];
      for (const [fields, status] of cases) {
        const res = await upload(alice, general, form({ name: "a.txt", bytes: "secret words" }, fields));
        expect(res.status).toBe(status);
      }
      expect(await rowsIn(general)).toEqual([]);
      expect(await subject.keys()).toEqual(keysBefore);
    });

    describe("people who cannot post in the channel", () => {
      const secretWords = "the launch date is the 14th";
      const notFoundBody = { error: { code: "not_found", message: expect.any(String) } };

      // who, which channel, why they cannot see it
      const cases: [string, () => Person, "general" | "secret"][] = [
        ["eve, in no community", () => eve, "general"],
        ["carol, of another community", () => carol, "general"],
        ["bob, outside the private channel", () => bob, "secret"],
      ];

      for (const [who, person, channel] of cases) {
        test(`${who} gets 404 uploading, and nothing is stored`, async () => {
          const ws = await workspace();
          const keysBefore = await subject.keys();
          const res = await upload(person(), ws[channel], form({ name: "leak.txt", bytes: secretWords }));
          expect(res.status).toBe(404);
          expect(await res.json()).toEqual(notFoundBody);
          expect(await rowsIn(ws[channel])).toEqual([]);
          expect(await subject.keys()).toEqual(keysBefore);

          const { body, read } = endless();
          expect((await rawUpload(person(), ws[channel], body)).status).toBe(404);
          expect(read.bytes).toBe(0);
        });

        test(`${who} gets the same 404 downloading as for no attachment at all`, async () => {
          const ws = await workspace();
          const { message } = await posted(
            alice,
            ws[channel],
            form({ name: "plan.txt", bytes: secretWords }, { body_md: "plan" }),
          );
          const res = await call(person(), "GET", message.attachments[0]?.url as string);
          const missing = await call(person(), "GET", `/api/attachments/${Bun.randomUUIDv7()}`);
          expect(res.status).toBe(404);
          const text = await res.text();
          expect(text).not.toContain(secretWords);
          expect(text).not.toContain("plan.txt");
          expect(JSON.parse(text)).toEqual(await missing.json());
        });
      }
    });

    test("someone else's pending upload can be neither attached (400) nor downloaded (404)", async () => {
      const { general } = await workspace();
      const { attachment } = await uploaded(
        alice,
        general,
        form({ name: "draft.txt", bytes: "alice's draft" }),
      );

      const attach = await call(bob, "POST", `/api/channels/${general}/messages`, {
        body_md: "mine now",
        attachment_ids: [attachment.id],
      });
      expect(attach.status).toBe(400);
      expect(((await attach.json()) as { error: { code: string } }).error.code).toBe("invalid_attachment");

      const download = await call(bob, "GET", attachment.url);
      expect(download.status).toBe(404);
      expect(await download.text()).not.toContain("alice's draft");
      expect(await (await call(alice, "GET", attachment.url)).text()).toBe("alice's draft");
    });

    test("HTML and SVG are served as attachments with nosniff and a sandbox, never as their own types", async () => {
      const { general } = await workspace();
      for (const [name, type] of [
        ["page.html", "text/html"],
        ["logo.svg", "image/svg+xml"],
      ] as const) {
        const { attachment } = await uploaded(
          alice,
          general,
          form({ name, type, bytes: "<svg onload=alert(1)><script>alert(1)</script></svg>" }),
        );
        expect(attachment.content_type).toBe(type);
        const res = await call(alice, "GET", attachment.url);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/octet-stream");
        expect(res.headers.get("content-disposition")).toStartWith("attachment;");
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("content-security-policy")).toContain("sandbox");
        expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
        expect(res.headers.get("cache-control")).toBe("private, no-store");
      }
    });

    test("a PNG opens inline as image/png", async () => {
      const { general } = await workspace();
      const { attachment } = await uploaded(
        alice,
        general,
        form({ name: "cat.png", type: "image/png", bytes: "png" }),
      );
      const res = await call(alice, "GET", attachment.url);
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(res.headers.get("content-disposition")).toStartWith("inline;");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    });

    test("a filename like ../../etc/passwd is stored sanitized, in the row and in the key", async () => {
      const { general, communityId } = await workspace();
      const { attachment } = await uploaded(
        alice,
        general,
        form({ name: "../../etc/passwd", bytes: "root:x:0:0" }),
      );
      expect(attachment.filename).toBe("passwd");
      const [row] = await rowsIn(general);
      expect(row?.filename).toBe("passwd");
      expect(row?.storageKey).toBe(`${communityId}/${general}/${attachment.id}/passwd`);
      expect(await subject.keys()).toContain(row?.storageKey as string);
    });

    test("a filename with quotes and accents downloads under its own name", async () => {
      const { general } = await workspace();
      const { attachment } = await uploaded(
        alice,
        general,
        form({ name: 'résumé "final".txt', bytes: "cv" }),
      );
      expect(attachment.filename).toBe("résumé _final_.txt");
      const res = await call(alice, "GET", attachment.url);
      expect(res.headers.get("content-disposition")).toBe(
        `attachment; filename="r_sum_ _final_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20_final_.txt`,
      );
    });

    test("a DM's files are kept under dm/", async () => {
      const dm = (await (await call(alice, "POST", "/api/dm", { user_ids: [bob.id] })).json()) as {
        id: string;
      };
      const { message } = await posted(
        alice,
        dm.id,
        form({ name: "hi.txt", bytes: "hi bob" }, { body_md: "hi" }),
      );
      const [row] = await rowsIn(dm.id);
      const attachment = message.attachments[0] as { id: string; url: string };
      expect(row?.storageKey).toBe(`dm/${dm.id}/${attachment.id}/hi.txt`);
      expect(await (await call(bob, "GET", attachment.url)).text()).toBe("hi bob");
      expect((await call(carol, "GET", attachment.url)).status).toBe(404);
    });

    test("deleting a message deletes its file from storage", async () => {
      const { general } = await workspace();
      const { message } = await posted(
        alice,
        general,
        form({ name: "old.txt", bytes: "old" }, { body_md: "old" }),
      );
      const [row] = await rowsIn(general);
      expect(await subject.keys()).toContain(row?.storageKey as string);

      expect((await call(alice, "DELETE", `/api/messages/${message.id}`)).status).toBe(200);
      expect(await subject.keys()).not.toContain(row?.storageKey as string);
      expect(await rowsIn(general)).toEqual([]);
      expect((await call(alice, "GET", message.attachments[0]?.url as string)).status).toBe(404);
    });

    describe("bots", () => {
      /** A bot of the workspace's community with a token carrying `scopes`. */
      async function bot(slug: string, scopes: Scope[]) {
        const [community] = await api.database.db
          .select()
          .from(communities)
          .where(eq(communities.slug, slug));
        const [user] = await api.database.db
          .insert(users)
          .values({ username: `bot-${Bun.randomUUIDv7()}`, displayName: "Bot", kind: "bot" })
          .returning();
        const [apiUser] = await api.database.db
          .insert(apiUsers)
          .values({ userId: user?.id as string, name: "deploy bot", communityId: community?.id as string })
          .returning();
        await api.join({ id: user?.id as string, username: user?.username as string, token: "" }, slug);
        return (await createApiToken(api.database.db, apiUser?.id as string, scopes)).token;
      }

      test("a bot without files:write gets 403 and nothing is stored", async () => {
        const { slug, general } = await workspace();
        const keysBefore = await subject.keys();
        const token = await bot(slug, ["messages:read", "messages:write"]);
        const res = await upload(token, general, form({ name: "build.log", bytes: "ok" }));
        expect(res.status).toBe(403);
        expect(await rowsIn(general)).toEqual([]);
        expect(await subject.keys()).toEqual(keysBefore);
      });

      test("a bot with files:write but not messages:write can upload but not post body_md", async () => {
        const { slug, general } = await workspace();
        const keysBefore = await subject.keys();
        const token = await bot(slug, ["files:write"]);
        expect(
          (await upload(token, general, form({ name: "build.log", bytes: "ok" }, { body_md: "hi" }))).status,
        ).toBe(403);
        expect(await subject.keys()).toEqual(keysBefore);
        expect((await upload(token, general, form({ name: "build.log", bytes: "ok" }))).status).toBe(201);
      });
    });
  });
}
