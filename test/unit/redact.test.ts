import { describe, expect, test } from "bun:test";
import { issueToken, TOKEN_PREFIX, type TokenKind } from "../../lib/auth/tokens.ts";
import { redactSecrets, redactText } from "../../lib/redact.ts";

const kinds = Object.keys(TOKEN_PREFIX) as TokenKind[];
const secretOf = (token: string) => token.slice(token.indexOf(".") + 1);

describe("redacting what is written down", () => {
  test("every kind of token is redacted wherever it stands, keeping only its kind", () => {
    for (const kind of kinds) {
      const { token } = issueToken(kind);
      const prefix = TOKEN_PREFIX[kind];
      for (const text of [
        token,
        `/setup/${token}`,
        `/hook/0190f0e4-7d41-7000-8000-000000000000/${token}`,
        `/auth/github/start?invite=${token}&next=%2F`,
        `{"device_code":"${token}"}`,
        `ajet_session=${token}; theme=dark`,
        `failed query: select … params: ${token},42`,
      ]) {
        const out = redactText(text);
        expect(out).not.toContain(secretOf(token));
        expect(out).not.toContain(token.slice(prefix.length, prefix.length + 32));
        expect(out).toContain(`${prefix}[redacted]`);
      }
    }
  });

  test("a token spelled with percent-escapes, or malformed, is redacted all the same", () => {
    const { token } = issueToken("setup");
    for (const spelled of [
      token.replace("aju_", "%61ju_"),
      token.replace("aju_", "%61%6a%75%5f"),
      token.replace("aju_", "AJU_"),
      `${token.slice(0, 20)}%2e${token.slice(21)}`,
    ]) {
      const out = redactText(`/setup/${spelled}`);
      expect(out).toBe("/setup/aju_[redacted]");
    }
    expect(redactText("/invite/aji_not-a-real-code")).toBe("/invite/aji_[redacted]");
  });

  test("OAuth's code and state, the device flow's user code and bearer credentials are redacted", () => {
    expect(redactText("/auth/github/callback?code=4f1c2e&state=Zk9xYz")).toBe(
      "/auth/github/callback?code=[redacted]&state=[redacted]",
    );
    expect(redactText("/device?code=WDJB-MJHT")).toBe("/device?code=[redacted]");
    expect(redactText("/x?access_token=abc&page=2")).toBe("/x?access_token=[redacted]&page=2");
    expect(redactText("sent Authorization: Bearer abc.def")).toBe("sent Authorization: Bearer [redacted]");
    expect(redactText("Basic Z2g6c2VjcmV0")).toBe("Basic [redacted]");
  });

  test("fields named like secrets are blanked, nested and in arrays; errors keep only a redacted message", () => {
    const { token } = issueToken("webhook");
    const out = redactSecrets({
      path: `/hook/x/${token}`,
      headers: { authorization: "Bearer x", cookie: "a=b", "x-ajet-internal-secret": "s", accept: "*/*" },
      list: [{ client_secret: "shh", token_count: 3 }, `next ${token}`],
      error: new Error(`no webhook for ${token}`),
      at: new Date(0),
      count: 2,
    });
    expect(out).toEqual({
      path: "/hook/x/ajw_[redacted]",
      headers: {
        authorization: "[redacted]",
        cookie: "[redacted]",
        "x-ajet-internal-secret": "[redacted]",
        accept: "*/*",
      },
      list: [{ client_secret: "[redacted]", token_count: 3 }, "next ajw_[redacted]"],
      error: "no webhook for ajw_[redacted]",
      at: new Date(0),
      count: 2,
    });
  });

  test("ordinary text is left alone", () => {
    for (const text of [
      "/c/acme/channels/general",
      "/api/channels/0190f0e4-7d41-7000-8000-000000000000/messages?before=0190f0e4&limit=50",
      "ajet-chat listening on http://127.0.0.1:3000",
      "code review at 10; state of the art",
      "the majority_vote passed",
      "/search?q=ajax",
    ]) {
      expect(redactText(text)).toBe(text);
    }
  });
});
