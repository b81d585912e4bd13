import { createHash } from "node:crypto";
import type { Server } from "bun";

export interface FakeAccount {
  id: number;
  login: string;
  name?: string | null;
  /** GitHub's `/user` email: null when the person keeps it private. */
  email?: string | null;
  /** GitHub's `/user/emails`. */
  emails?: { email: string; primary: boolean; verified: boolean }[];
}

export interface FakeProvider {
  /** The base URL: GITHUB_URL or GITEA_URL. */
  url: string;
  clientId: string;
  clientSecret: string;
  /** Who is signed in at the provider; the authorize step consents as them. */
  signedInAs: FakeAccount;
  /** When set, the next authorize step answers as if the person clicked "Cancel". */
  denyNext: boolean;
  /** Every token request's form, as the provider received it. */
  tokenRequests: URLSearchParams[];
  /** Every authorize request's query. */
  authorizeRequests: URLSearchParams[];
  stop(): Promise<void>;
}

const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

/**
 * A GitHub- or Gitea-shaped OAuth provider on loopback: authorize (consents at once, as
 * `signedInAs`), token (one-time codes, client credentials, redirect URI and PKCE S256 checked) and
 * the user endpoints. GitHub answers a bad code with 200 and an `error` field, as the real one does;
 * Gitea with 400 `invalid_grant`.
 */
export function startFakeProvider(shape: "github" | "gitea"): FakeProvider {
  const codes = new Map<string, { account: FakeAccount; challenge: string; redirectUri: string }>();
  const accessTokens = new Map<string, FakeAccount>();
  const clientId = `${shape}-client`;
  const clientSecret = `${shape}-secret`;
  const userPath = shape === "github" ? "/api/v3/user" : "/api/v1/user";

  const refuse = (error: string) =>
    shape === "github"
      ? Response.json({ error, error_description: "The code passed is incorrect or expired." })
      : Response.json({ error, error_description: "the code is not valid" }, { status: 400 });

  const server: Server<unknown> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
        const q = url.searchParams;
        fake.authorizeRequests.push(q);
        const redirect = new URL(q.get("redirect_uri") ?? "");
        const state = q.get("state") ?? "";
        if (q.get("client_id") !== clientId || q.get("response_type") !== "code") {
          return new Response("unknown client", { status: 400 });
        }
        if (fake.denyNext) {
          fake.denyNext = false;
          redirect.searchParams.set("error", "access_denied");
        } else {
          const code = crypto.randomUUID();
          if (q.get("code_challenge_method") !== "S256")
            return new Response("PKCE S256 required", { status: 400 });
          codes.set(code, {
            account: fake.signedInAs,
            challenge: q.get("code_challenge") ?? "",
            redirectUri: redirect.toString(),
          });
          redirect.searchParams.set("code", code);
        }
        redirect.searchParams.set("state", state);
        return new Response(null, { status: 302, headers: { Location: redirect.toString() } });
      }
      if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
        const form = new URLSearchParams(await req.text());
        fake.tokenRequests.push(form);
        const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
        if (req.headers.get("authorization") !== basic) return refuse("invalid_client");
        const grant = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        if (
          !grant ||
          grant.redirectUri !== form.get("redirect_uri") ||
          s256(form.get("code_verifier") ?? "") !== grant.challenge
        ) {
          return refuse(shape === "github" ? "bad_verification_code" : "invalid_grant");
        }
        const token = crypto.randomUUID();
        accessTokens.set(token, grant.account);
        return Response.json({ access_token: token, token_type: "bearer", scope: "read:user" });
      }
      const account = accessTokens.get((req.headers.get("authorization") ?? "").replace(/^Bearer /, ""));
      if (!account) return Response.json({ message: "Bad credentials" }, { status: 401 });
      if (url.pathname === userPath) {
        return shape === "github"
          ? Response.json({
              id: account.id,
              login: account.login,
              name: account.name ?? null,
              email: account.email ?? null,
              avatar_url: `https://avatars.example/${account.id}`,
            })
          : Response.json({
              id: account.id,
              login: account.login,
              full_name: account.name ?? "",
              email: account.email ?? "",
              avatar_url: `https://gitea.example/avatars/${account.id}`,
            });
      }
      if (shape === "github" && url.pathname === "/api/v3/user/emails")
        return Response.json(account.emails ?? []);
      return new Response("not found", { status: 404 });
    },
  });

  const fake: FakeProvider = {
    url: `http://127.0.0.1:${server.port}`,
    clientId,
    clientSecret,
    signedInAs: { id: 1, login: "octocat" },
    denyNext: false,
    tokenRequests: [],
    authorizeRequests: [],
    stop: () => server.stop(true),
  };
  return fake;
}
