import { describe, expect, test } from "bun:test";
import type { Principal } from "../../lib/auth/authenticate.ts";
import type { UserRow } from "../../lib/auth/sessions.ts";
import { readerKeyOf } from "../../lib/http/live-stream.ts";

const user = (id: string) => ({ id, username: id }) as UserRow;
const principal = (via: "session" | "token", userId: string, credentialId: string): Principal => ({
  user: user(userId),
  via,
  credentialId,
  scopes: via === "token" ? new Set(["messages:read"]) : null,
  botCommunityId: null,
});

// Streams opening at once with one key share one read of their access (a storm after a restart).
describe("which live streams share a read of their access", () => {
  test("every session of one person shares one read", () => {
    expect(readerKeyOf(principal("session", "u1", "s1"))).toBe(readerKeyOf(principal("session", "u1", "s2")));
  });

  test("two people never share, nor a person's token with their sessions", () => {
    expect(readerKeyOf(principal("session", "u1", "s1"))).not.toBe(
      readerKeyOf(principal("session", "u2", "s3")),
    );
    expect(readerKeyOf(principal("token", "u1", "t1"))).not.toBe(
      readerKeyOf(principal("session", "u1", "s1")),
    );
  });

  test("a token shares only with itself: another token may carry other scopes", () => {
    expect(readerKeyOf(principal("token", "u1", "t1"))).toBe(readerKeyOf(principal("token", "u1", "t1")));
    expect(readerKeyOf(principal("token", "u1", "t1"))).not.toBe(readerKeyOf(principal("token", "u1", "t2")));
  });

  test("a stream without an identity shares with nobody", () => {
    expect(readerKeyOf(null)).toBeUndefined();
  });
});
