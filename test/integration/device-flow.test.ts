import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { desc, eq } from "drizzle-orm";
import { createPollPacer, doPollDeviceLogin } from "../../lib/auth/device-flow.ts";
import { auditLog, deviceCodes } from "../../lib/db/schema.ts";
import { DB_KINDS, type Person } from "../support/api.ts";
import { Browser } from "../support/browser.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { jsonOf } from "../support/http.ts";

// `ajet-chat login` end to end at the gateway: a terminal asks and polls, a signed-in browser
// approves or denies, and the token comes out exactly once.
const TERMINAL_IP = "192.0.2.44";

for (const kind of DB_KINDS) {
  describe(`terminal login (device flow) on ${kind}`, () => {
    let gw: TestGateway;
    let alice: Person;
    let browser: Browser;

    beforeAll(async () => {
      gw = await startTestGateway({}, kind);
      alice = await gw.api.person("alice");
      browser = new Browser(gw);
      browser.setCookie("ajet_session", alice.token);
    });
    afterAll(() => gw.close());

    const db = () => gw.api.database.db;
    const terminal = (path: string, body: unknown) =>
      gw.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        ip: TERMINAL_IP,
      });
    const ask = async (clientName = "ajet-chat 0.1 on laptop") =>
      (await (await terminal("/auth/device", { client_name: clientName })).json()) as {
        device_code: string;
        user_code: string;
        verification_uri: string;
        verification_uri_complete: string;
        expires_in: number;
        interval: number;
      };
    const poll = async (deviceCode: string) => {
      const res = await terminal("/auth/device/token", { device_code: deviceCode });
      const body = await jsonOf<{ token?: string; error?: { code: string } }>(res);
      return { status: res.status, code: body.error?.code, token: body.token ?? "" };
    };
    const lastAudit = async (action: string) =>
      (await db().select().from(auditLog).where(eq(auditLog.action, action)).orderBy(desc(auditLog.id)))[0];

    test("a terminal asks, waits, is slowed down, and gets a session token once after approval", async () => {
      const asked = await ask();
      expect(asked.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      expect(asked.verification_uri).toBe(`${gw.config.publicUrl}/device`);
      expect(asked.verification_uri_complete).toBe(`${gw.config.publicUrl}/device?code=${asked.user_code}`);
      expect(asked).toMatchObject({ expires_in: 600, interval: 2 });
      expect(asked.device_code).toStartWith("ajd_");
      // Only a hash of the device code is stored.
      const rows = await db().select().from(deviceCodes).where(eq(deviceCodes.userCode, asked.user_code));
      expect(JSON.stringify(rows)).not.toContain(asked.device_code.split(".")[1]);

      expect(await poll(asked.device_code)).toMatchObject({ status: 400, code: "authorization_pending" });
      expect(await poll(asked.device_code)).toMatchObject({ status: 400, code: "slow_down" });

      const page = await browser.get(asked.verification_uri_complete);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain("ajet-chat 0.1 on laptop");
      expect(html).toContain(TERMINAL_IP);
      expect(html).toContain(asked.user_code);
      expect(html).toContain("alice");

      const approved = await browser.postForm("/device", { code: asked.user_code, decision: "approve" });
      expect(approved.status).toBe(200);
      expect(await approved.text()).toContain("Terminal approved");
      expect(await lastAudit("device.approved")).toMatchObject({ actorId: alice.id });

      await Bun.sleep(asked.interval * 1000 + 100);
      const issued = await poll(asked.device_code);
      expect(issued.status).toBe(200);
      expect(issued.token).toStartWith("ajs_");
      const me = await gw.request("/api/me", { headers: { authorization: `Bearer ${issued.token}` } });
      expect(await jsonOf(me)).toMatchObject({ username: "alice" });
      expect(await lastAudit("login")).toMatchObject({
        actorId: alice.id,
        data: { via: "device", client_name: "ajet-chat 0.1 on laptop" },
        ip: TERMINAL_IP,
      });

      expect(await poll(asked.device_code)).toMatchObject({ status: 400, code: "expired_token" });
    });

    test("two gateways polling an approved code at the same moment issue one token between them", async () => {
      const asked = await ask();
      await browser.postForm("/device", { code: asked.user_code, decision: "approve" });
      // Each gateway paces only the polls it sees, so both get past slow_down; the database decides.
      const results = await Promise.all(
        [createPollPacer(), createPollPacer()].map((pacer) =>
          doPollDeviceLogin(db(), asked.device_code, { pacer }),
        ),
      );
      expect(results.map((r) => r.outcome).sort()).toEqual(["expired", "issued"]);
    });

    test("a denied request tells the terminal access_denied, and the code cannot be decided again", async () => {
      const asked = await ask("someone else's terminal");
      const denied = await browser.postForm("/device", {
        code: asked.user_code.toLowerCase(),
        decision: "deny",
      });
      expect(await denied.text()).toContain("Terminal denied");
      expect(await lastAudit("device.denied")).toMatchObject({ actorId: alice.id });
      expect(await poll(asked.device_code)).toMatchObject({ status: 400, code: "access_denied" });
      const again = await browser.postForm("/device", { code: asked.user_code, decision: "approve" });
      expect(again.status).toBe(404);
    });

    test("after ten minutes the code is expired for the terminal and the browser alike", async () => {
      const asked = await ask();
      await db()
        .update(deviceCodes)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(deviceCodes.userCode, asked.user_code));
      expect(await poll(asked.device_code)).toMatchObject({ status: 400, code: "expired_token" });
      expect((await browser.get(`/device?code=${asked.user_code}`)).status).toBe(404);
      const late = await browser.postForm("/device", { code: asked.user_code, decision: "approve" });
      expect(late.status).toBe(404);
      const [row] = await db().select().from(deviceCodes).where(eq(deviceCodes.userCode, asked.user_code));
      expect(row?.status).toBe("pending");
    });

    test("a visitor not signed in is sent to sign in first, and comes back to the same code", async () => {
      const asked = await ask();
      const visitor = new Browser(gw, "198.51.100.20");
      const res = await visitor.get(asked.verification_uri_complete);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(
        `/login?next=${encodeURIComponent(`/device?code=${asked.user_code}`)}`,
      );
      // A form post without the session cookie — what SameSite=Strict makes of a cross-site post —
      // decides nothing.
      const post = await visitor.postForm("/device", { code: asked.user_code, decision: "approve" });
      expect(post.status).toBe(303);
      expect(await poll(asked.device_code)).toMatchObject({ code: "authorization_pending" });
    });

    test("a cross-site form post carrying the cookie is refused at the door", async () => {
      const asked = await ask();
      const forged = await browser.postForm(
        "/device",
        { code: asked.user_code, decision: "approve" },
        { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      );
      expect(forged.status).toBe(403);
      const [row] = await db().select().from(deviceCodes).where(eq(deviceCodes.userCode, asked.user_code));
      expect(row?.status).toBe("pending");
    });

    test("an unknown or malformed device code is invalid_grant; the browser page asks for a code", async () => {
      expect(
        await poll("ajd_00000000000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
      ).toMatchObject({
        status: 400,
        code: "invalid_grant",
      });
      expect(await poll("nonsense")).toMatchObject({ status: 400, code: "invalid_grant" });
      const page = await browser.get("/device");
      expect(await page.text()).toContain('name="code"');
    });
  });
}
