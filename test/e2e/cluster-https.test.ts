import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:http2";
import { IncomingWebhook } from "@slack/webhook";
import { startTestCluster, type TestCluster } from "../support/cluster.ts";
import { waitFor } from "../support/ports.ts";
import { plainLines, runCli } from "../support/terminal.ts";

// The production topology as `bun run cluster` starts it — nginx with TLS → 2 gateways → 2 api,
// 2 web-sm, 2 tui-sm over PostgreSQL, NATS and S3 — used only through https, as people would.
let t: TestCluster;
let alice = "";
let bob = "";
let general = "";

type Json = Record<string, unknown>;

async function call(token: string | null, method: string, path: string, body?: unknown) {
  const res = await t.https(path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as Json & { id: string } };
}

/** A live stream read through nginx: every SSE event's name and data as text, as they come. */
function openStream(path: string, token: string, headers: Record<string, string> = {}) {
  const events: { event: string; data: string }[] = [];
  const abort = new AbortController();
  const done = (async () => {
    const res = await t.https(path, {
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream", ...headers },
      signal: abort.signal,
    });
    if (!res.ok || !res.body) throw new Error(`${path} answered ${res.status}`);
    let buffer = "";
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
        const data = [...block.matchAll(/^data: ?(.*)$/gm)].map((m) => m[1]).join("\n");
        events.push({ event, data });
        end = buffer.indexOf("\n\n");
      }
    }
  })().catch(() => {});
  return {
    events,
    has: (text: string) => events.some((e) => e.data.includes(text)),
    close: () => abort.abort(),
    done,
  };
}

beforeAll(async () => {
  t = await startTestCluster();
}, 240_000);

afterAll(async () => {
  await t?.cluster.stop();
});

describe("the cluster behind https nginx", () => {
  test("nginx speaks HTTP/2 with HSTS said once, and plain http is sent to https", async () => {
    const session = connect(t.cluster.url, { ca: t.ca });
    try {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = session.request({ ":path": "/readyz" });
        req.on("response", (h) => resolve(h as Record<string, unknown>));
        req.on("error", reject);
        req.end();
      });
      expect(headers[":status"]).toBe(200);
      expect(headers["strict-transport-security"]).toBe("max-age=31536000");
      expect(headers["x-ajet-service"]).toBe("auth-gw");
    } finally {
      session.close();
    }
    const httpPort = Number(/listen 127\.0\.0\.1:(\d+);/.exec(t.cluster.nginxConfig)?.[1]);
    const plain = await fetch(`http://127.0.0.1:${httpPort}/login?x=1`, { redirect: "manual" });
    expect(plain.status).toBe(301);
    expect(plain.headers.get("location")).toBe(`${t.cluster.url}/login?x=1`);
  });

  test("every instance is ready, each tier two processes", async () => {
    for (const tier of ["auth-gw", "api", "web-sm", "tui-sm"]) expect(t.cluster.tier(tier)).toHaveLength(2);
    await t.cluster.waitAllReady();
  });

  test("each instance counts its own requests on a metrics port of its own, never through nginx", async () => {
    const through = await fetch(`${t.cluster.url}/readyz`, { tls: { ca: t.ca } });
    expect(through.status).toBe(200);
    const urls = Object.values(t.cluster.metrics);
    expect(new Set(urls).size).toBe(8);
    const texts = await Promise.all(urls.map(async (url) => (await fetch(url)).text()));
    for (const text of texts) expect(text).toContain("process_resident_memory_bytes");
    const gateways = Object.entries(t.cluster.metrics)
      .filter(([name]) => name.startsWith("auth-gw"))
      .map(([, url]) => url);
    const counted = await Promise.all(gateways.map(async (url) => (await fetch(url)).text()));
    expect(
      counted.some((text) => /ajet_http_requests_total\{[^}]*route="\/readyz"[^}]*\} [1-9]/.test(text)),
    ).toBe(true);
    for (const path of ["/metrics", "/api/metrics"]) {
      const res = await fetch(`${t.cluster.url}${path}`, { tls: { ca: t.ca } });
      expect(res.status).not.toBe(200);
      expect(await res.text()).not.toContain("ajet_http_requests_total");
    }
    expect(readFileSync(t.cluster.prometheusConfig, "utf8")).toContain(new URL(urls[0] ?? "").host);
  });

  test("the setup link signs the first person in through nginx, and an invite brings in a second", async () => {
    const setupPath = new URL(t.cluster.setupLink).pathname;
    expect(t.cluster.setupLink).toStartWith(`${t.cluster.url}/setup/`);
    const first = await call(null, "POST", setupPath, { username: "alice", display_name: "Alice" });
    expect(first.status).toBe(201);
    alice = String(first.json.token);
    expect((await call(alice, "POST", "/api/communities", { name: "Acme", slug: "acme" })).status).toBe(201);
    const channels = await call(alice, "GET", "/api/communities/acme/channels");
    general = (channels.json.items as { id: string }[])[0]?.id as string;
    const invite = await call(alice, "POST", "/api/communities/acme/invites", { max_uses: 1 });
    expect(String(invite.json.url)).toStartWith(`${t.cluster.url}/invite/`);
    const joined = await call(null, "POST", new URL(String(invite.json.url)).pathname, {
      username: "bob",
      display_name: "Bob",
    });
    expect(joined.status).toBe(201);
    bob = String(joined.json.token);
    expect((await call(null, "POST", setupPath, { username: "mallory", display_name: "M" })).status).toBe(
      404,
    );
  });

  test("a post reaches web and terminal streams held on both instances of each session manager", async () => {
    // Four of each, opened back to back: nginx alternates the gateways and each gateway alternates
    // the session managers, so each instance holds some.
    const streams = [
      ...Array.from({ length: 4 }, () => openStream("/tui/events?community=acme", bob)),
      ...Array.from({ length: 4 }, () => openStream(`/events?community=acme&channel=${general}`, bob)),
    ];
    try {
      await waitFor(() => {
        for (const s of streams) if (!s.events.some((e) => e.event === "ready")) throw new Error("not ready");
      }, 30_000);
      // With one instance of each frozen, a post reaches the streams on the other ones only, which
      // shows the streams are spread over both; once thawed, the frozen ones deliver it too.
      const frozen = [t.cluster.instances["web-sm-1"], t.cluster.instances["tui-sm-1"]];
      for (const f of frozen) f?.signal("SIGSTOP");
      try {
        const posted = await call(alice, "POST", `/api/channels/${general}/messages`, {
          body_md: "live-through-nginx-1",
        });
        expect(posted.status).toBe(201);
        await waitFor(() => {
          const tui = streams.slice(0, 4).filter((s) => s.has("live-through-nginx-1")).length;
          const web = streams.slice(4).filter((s) => s.has("live-through-nginx-1")).length;
          if (tui === 0 || web === 0) throw new Error(`tui ${tui}, web ${web}`);
        }, 20_000);
        const reached = streams.filter((s) => s.has("live-through-nginx-1")).length;
        expect(reached).toBeLessThan(streams.length);
      } finally {
        for (const f of frozen) f?.signal("SIGCONT");
      }
      await waitFor(() => {
        const missing = streams.filter((s) => !s.has("live-through-nginx-1")).length;
        if (missing > 0) throw new Error(`${missing} streams without the post`);
      }, 20_000);
      // Each stream got it exactly once.
      for (const s of streams) {
        expect(s.events.filter((e) => e.data.includes("live-through-nginx-1")).length).toBe(1);
      }
    } finally {
      for (const s of streams) s.close();
    }
  });

  test("a terminal stream is steered wherever its steering POST lands: the instance holding it answers", async () => {
    const streams = Array.from({ length: 4 }, () => openStream("/tui/events?community=acme", bob));
    try {
      await waitFor(() => {
        for (const s of streams) if (!s.events.some((e) => e.event === "ready")) throw new Error("not ready");
      }, 30_000);
      const ids = streams.map(
        (s) => JSON.parse(s.events.find((e) => e.event === "ready")?.data ?? "{}").stream_id,
      );
      // Each stream is steered three times: nginx and the gateways alternate, so some of these land
      // first on the session manager that does not hold the stream.
      const answers: number[] = [];
      for (const id of ids) {
        for (let i = 0; i < 3; i++) {
          answers.push(
            (await call(bob, "POST", "/tui/community", { stream_id: id, community: "acme" })).status,
          );
        }
      }
      expect(answers).toEqual(Array(12).fill(200));
      const nobody = await call(bob, "POST", "/tui/community", {
        stream_id: "no-such-stream",
        community: "acme",
      });
      expect(nobody.status).toBe(404);
    } finally {
      for (const s of streams) s.close();
    }
  });

  test("a file goes up through nginx and comes back byte for byte; one over the limit is refused", async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251);
    const form = new FormData();
    form.append("body_md", "the big file");
    form.append("file", new Blob([bytes], { type: "application/octet-stream" }), "data.bin");
    const up = await t.https(`/api/channels/${general}/attachments`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice}` },
      body: form,
    });
    expect(up.status).toBe(201);
    const { message } = (await up.json()) as { message: { attachments: { url: string }[] } };
    const down = await t.https(message.attachments[0]?.url ?? "", {
      headers: { authorization: `Bearer ${bob}` },
    });
    expect(down.status).toBe(200);
    expect(new Uint8Array(await down.arrayBuffer())).toEqual(bytes);
    const tooBig = new FormData();
    tooBig.append("file", new Blob([new Uint8Array(27 * 1024 * 1024)]), "huge.bin");
    const refused = await t.https(`/api/channels/${general}/attachments`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice}` },
      body: tooBig,
    });
    expect(refused.status).toBe(413);
    const history = await call(alice, "GET", `/api/channels/${general}/messages?limit=5`);
    expect(JSON.stringify(history.json)).not.toContain("huge.bin");
  });

  test("Slack's webhook client posts through nginx, trusting the cluster's certificate", async () => {
    const made = await call(alice, "POST", "/api/commands", {
      channel_id: general,
      text: "/webhook create #general CI",
    });
    const url = (made.json.effects as { url: string }[])[0]?.url as string;
    expect(url).toStartWith(`${t.cluster.url}/hook/`);
    // Its own fetch, told to trust the certificate as NODE_EXTRA_CA_CERTS would tell a CI runner's.
    const trusting: typeof fetch = Object.assign(
      (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, tls: { ca: t.ca } }),
      { preconnect: fetch.preconnect },
    );
    const hook = new IncomingWebhook(url, { fetch: trusting });
    expect(await hook.send({ text: "deploy *done*" })).toEqual({ text: "ok" });
    const history = await call(alice, "GET", `/api/channels/${general}/messages?limit=1`);
    expect((history.json.items as { body_md: string }[])[0]?.body_md).toBe("deploy **done**");
  });

  test("signing out everywhere through one gateway refuses the session at once through the other, which had just let it in", async () => {
    const invite = await call(alice, "POST", "/api/communities/acme/invites", { max_uses: 1 });
    const joined = await call(null, "POST", new URL(String(invite.json.url)).pathname, {
      username: "carol",
      display_name: "Carol",
    });
    const carol = String(joined.json.token);
    const [one, other] = t.cluster.tier("auth-gw").map((gateway) => gateway.url);
    const me = (gateway: string | undefined, token: string) =>
      fetch(`${gateway}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    // Each gateway has just checked her session, so each remembers it.
    expect([await me(one, carol), await me(other, carol)]).toEqual([200, 200]);
    const out = await fetch(`${one}/api/sessions/revoke-all`, {
      method: "POST",
      headers: { authorization: `Bearer ${carol}` },
    });
    expect(out.status).toBe(200);
    expect([await me(other, carol), await me(one, carol)]).toEqual([401, 401]);
    expect(await me(other, bob)).toBe(200);
  });

  test("the CLI speaks to https://… when told to trust the certificate, and refuses when not", async () => {
    const env = { AJET_SERVER: t.cluster.url, AJET_TOKEN: bob };
    const sent = await runCli(["send", "#general", "from the terminal over tls"], {
      env: { ...env, NODE_EXTRA_CA_CERTS: t.cluster.caFile },
    });
    expect(sent.code).toBe(0);
    const read = await runCli(["read", "#general", "--limit", "1"], {
      env: { ...env, NODE_EXTRA_CA_CERTS: t.cluster.caFile },
    });
    expect(plainLines(read.stdout)[0]).toContain("from the terminal over tls");
    const untrusted = await runCli(["send", "#general", "never sent"], { env });
    expect(untrusted.code).not.toBe(0);
    const history = await call(alice, "GET", `/api/channels/${general}/messages?limit=3`);
    expect(JSON.stringify(history.json)).not.toContain("never sent");
  });
});
