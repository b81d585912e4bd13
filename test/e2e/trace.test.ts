import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChatPerson, type ChatServer, sseReader, startChatServer } from "../support/chat-server.ts";
import { freePort, waitFor } from "../support/ports.ts";

type Line = Record<string, unknown>;

// One message followed through the log of `bun run start`, by the trace id its POST carried.
describe("a message's trace id", () => {
  let chat: ChatServer;
  let bob: ChatPerson;
  let general = "";
  const lines = (): Line[] =>
    chat.child
      .stderr()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Line);

  beforeAll(async () => {
    chat = await startChatServer({ AJET_LOG_LEVEL: "debug", AJET_METRICS_PORT: String(freePort()) });
    bob = await chat.invite("bob");
    const channels = await chat.api<{ items: { id: string }[] }>(
      chat.owner,
      "GET",
      "/api/communities/acme/channels",
    );
    general = channels.items[0]?.id ?? "";
  });
  afterAll(() => chat.stop());

  test("goes from the POST through the gateway and the API to the line of the stream that delivered it", async () => {
    const res = await fetch(`${chat.base}/tui/events?community=acme`, {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    const stream = sseReader(res);
    try {
      await stream.next((e) => e.event === "ready");
      const traceId = `follow-${Bun.randomUUIDv7("hex").slice(-20)}`;
      const posted = await fetch(`${chat.base}/api/channels/${general}/messages`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${chat.owner.token}`,
          "content-type": "application/json",
          "x-trace-id": traceId,
        },
        body: JSON.stringify({ body_md: "follow me" }),
      });
      expect(posted.status).toBe(201);
      expect(posted.headers.get("x-trace-id")).toBe(traceId);
      // The route header is the gateway's to read, never the client's.
      expect(posted.headers.get("x-ajet-route")).toBeNull();
      await stream.next((e) => e.event === "message.created");

      const traced = await waitFor(() => {
        const found = lines().filter((l) => l.trace_id === traceId);
        if (!found.some((l) => l.msg === "event delivered to a stream"))
          throw new Error("no delivery line yet");
        return found;
      });
      // The gateway's one info line for the request: who, which route, what answer, how long.
      const access = traced.find((l) => l.msg === "request" && l.service === "auth-gw");
      expect(access).toMatchObject({
        level: "info",
        method: "POST",
        route: "/api/channels/:id/messages",
        status: 201,
        user_id: chat.owner.id,
      });
      expect(access?.duration_ms).toBeNumber();
      expect(traced.find((l) => l.msg === "request" && l.service === "api")).toMatchObject({
        level: "debug",
        route: "/api/channels/:id/messages",
        user_id: chat.owner.id,
      });
      // Each session manager says how many of its streams got it: bob's terminal, no web tab.
      const fanned = traced.filter((l) => l.msg === "event fanned out");
      expect(fanned.find((l) => l.service === "tui-sm")).toMatchObject({
        level: "info",
        type: "message.created",
        streams: 1,
      });
      expect(fanned.find((l) => l.service === "web-sm")).toMatchObject({ streams: 0 });
      const delivered = traced.filter((l) => l.msg === "event delivered to a stream");
      expect(delivered).toHaveLength(1);
      expect(delivered[0]).toMatchObject({ service: "tui-sm", type: "message.created", user_id: bob.id });
      // Nothing else carries it, and no line anywhere carries a token.
      expect(lines().filter((l) => l.trace_id === traceId)).toHaveLength(traced.length);
      const log = chat.child.stderr();
      expect(log).not.toContain(chat.owner.token);
      expect(log).not.toContain(bob.token);
    } finally {
      await stream.cancel();
    }
  });
});
