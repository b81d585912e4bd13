import {
  ArcticFetchError,
  CodeChallengeMethod,
  decodeIdToken,
  Gitea,
  OAuth2Client,
  OAuth2RequestError,
  type OAuth2Tokens,
  UnexpectedErrorResponseBodyError,
} from "arctic";
import { z } from "zod";
import type { Config } from "../config.ts";

export const PROVIDER_IDS = ["github", "gitea", "oidc"] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** Who the provider says signed in. */
export interface ProviderProfile {
  /** The provider's stable id for the person (GitHub's numeric id, OIDC's `sub`); never their name. */
  id: string;
  /** Their handle there: the seed of a new username. */
  login: string;
  name: string | null;
  email: string | null;
  avatarUrl: string | null;
}

export interface OAuthProvider {
  id: ProviderId;
  /** What the sign-in button says after "Sign in with". */
  label: string;
  authorizationUrl(state: string, codeVerifier: string): Promise<URL>;
  /** Exchanges the code (with its PKCE verifier) and asks the provider who signed in. */
  profile(code: string, codeVerifier: string): Promise<ProviderProfile>;
}

/**
 * Why a provider round trip failed: `invalid_code` when the provider refused the code (reused,
 * expired, wrong verifier), `provider_error` when it could not be reached or answered nonsense.
 */
export class OAuthFailure extends Error {
  override name = "OAuthFailure";
  constructor(
    readonly reason: "invalid_code" | "provider_error",
    message: string,
  ) {
    super(message);
  }
}

const PROVIDER_TIMEOUT_MS = 10_000;

/** The providers config enables, each with its button label, without building clients. */
export function configuredProviders(config: Config): { id: ProviderId; label: string }[] {
  const { github, gitea, oidc } = config.oauth;
  return [
    ...(github ? [{ id: "github" as const, label: "GitHub" }] : []),
    ...(gitea ? [{ id: "gitea" as const, label: "Gitea" }] : []),
    ...(oidc ? [{ id: "oidc" as const, label: new URL(oidc.baseUrl).host }] : []),
  ];
}

/** Where a provider sends people back: `${publicUrl}/auth/<provider>/callback`. */
export const callbackUrl = (config: Config, id: ProviderId) => `${config.publicUrl}/auth/${id}/callback`;

/** An arctic client per configured provider. OIDC discovery runs at first use and is cached. */
export function oauthProviders(config: Config): Map<ProviderId, OAuthProvider> {
  const { github, gitea, oidc } = config.oauth;
  const providers: OAuthProvider[] = [
    ...(github ? [gitHubProvider(github, callbackUrl(config, "github"))] : []),
    ...(gitea ? [giteaProvider(gitea, callbackUrl(config, "gitea"))] : []),
    ...(oidc ? [oidcProvider(oidc, callbackUrl(config, "oidc"))] : []),
  ];
  return new Map(providers.map((p) => [p.id, p]));
}

type Credentials = { clientId: string; clientSecret: string; baseUrl: string };

async function exchange(validate: () => Promise<OAuth2Tokens>): Promise<OAuth2Tokens> {
  let tokens: OAuth2Tokens;
  try {
    tokens = await validate();
  } catch (err) {
    if (err instanceof OAuth2RequestError) {
      throw new OAuthFailure("invalid_code", `the provider refused the code (${err.code})`);
    }
    // A 400/401 whose body is not RFC 6749's error shape is still the provider refusing the code.
    if (err instanceof UnexpectedErrorResponseBodyError && (err.status === 400 || err.status === 401)) {
      throw new OAuthFailure("invalid_code", `the provider refused the code (status ${err.status})`);
    }
    if (err instanceof ArcticFetchError)
      throw new OAuthFailure("provider_error", "the provider is unreachable");
    throw new OAuthFailure("provider_error", "the provider's token answer was not understood");
  }
  // GitHub answers a bad code with 200 and an `error` field, which arctic's generic client passes on.
  const data = tokens.data as { error?: unknown; access_token?: unknown };
  if (typeof data.error === "string") {
    throw new OAuthFailure("invalid_code", `the provider refused the code (${data.error})`);
  }
  if (typeof data.access_token !== "string") {
    throw new OAuthFailure("provider_error", "the provider sent no access token");
  }
  return tokens;
}

async function getJson<T extends z.ZodType>(
  url: string,
  accessToken: string,
  schema: T,
  accept = "application/json",
): Promise<z.output<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: accept, "User-Agent": "ajet-chat" },
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
  } catch {
    throw new OAuthFailure("provider_error", "the provider is unreachable");
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new OAuthFailure(
      "provider_error",
      `the provider answered ${res.status} for ${new URL(url).pathname}`,
    );
  }
  const parsed = schema.safeParse(await res.json().catch(() => null));
  if (!parsed.success)
    throw new OAuthFailure("provider_error", "the provider's user answer was not understood");
  return parsed.data;
}

const httpUrl = (s: string | null | undefined) => (s && /^https?:\/\//.test(s) ? s : null);

const gitHubUser = z.object({
  id: z.number(),
  login: z.string().min(1),
  name: z.string().nullish(),
  email: z.string().nullish(),
  avatar_url: z.string().nullish(),
});
const gitHubEmails = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));

/**
 * GitHub (or GitHub Enterprise Server at GITHUB_URL) through arctic's generic client, because
 * arctic's GitHub class neither takes a base URL nor sends PKCE, which GitHub accepts (S256) since 2025.
 */
function gitHubProvider(creds: Credentials, redirect: string): OAuthProvider {
  const client = new OAuth2Client(creds.clientId, creds.clientSecret, redirect);
  const api = creds.baseUrl === "https://github.com" ? "https://api.github.com" : `${creds.baseUrl}/api/v3`;
  const accept = "application/vnd.github+json";
  return {
    id: "github",
    label: "GitHub",
    async authorizationUrl(state, verifier) {
      return client.createAuthorizationURLWithPKCE(
        `${creds.baseUrl}/login/oauth/authorize`,
        state,
        CodeChallengeMethod.S256,
        verifier,
        ["read:user", "user:email"],
      );
    },
    async profile(code, verifier) {
      const tokens = await exchange(() =>
        client.validateAuthorizationCode(`${creds.baseUrl}/login/oauth/access_token`, code, verifier),
      );
      const user = await getJson(`${api}/user`, tokens.accessToken(), gitHubUser, accept);
      // A private profile email is null in /user; the verified primary one is in /user/emails.
      const email =
        user.email ??
        (await getJson(`${api}/user/emails`, tokens.accessToken(), gitHubEmails, accept)
          .then((list) => list.find((e) => e.primary && e.verified)?.email ?? null)
          .catch(() => null));
      return {
        id: String(user.id),
        login: user.login,
        name: user.name ?? null,
        email,
        avatarUrl: httpUrl(user.avatar_url),
      };
    },
  };
}

const giteaUser = z.object({
  id: z.number(),
  login: z.string().min(1),
  full_name: z.string().nullish(),
  email: z.string().nullish(),
  avatar_url: z.string().nullish(),
});

function giteaProvider(creds: Credentials, redirect: string): OAuthProvider {
  const gitea = new Gitea(creds.baseUrl, creds.clientId, creds.clientSecret, redirect);
  return {
    id: "gitea",
    label: "Gitea",
    async authorizationUrl(state, verifier) {
      return gitea.createAuthorizationURL(state, verifier, ["read:user"]);
    },
    async profile(code, verifier) {
      const tokens = await exchange(() => gitea.validateAuthorizationCode(code, verifier));
      const user = await getJson(`${creds.baseUrl}/api/v1/user`, tokens.accessToken(), giteaUser);
      return {
        id: String(user.id),
        login: user.login,
        name: user.full_name || null,
        email: user.email || null,
        avatarUrl: httpUrl(user.avatar_url),
      };
    },
  };
}

const discoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  userinfo_endpoint: z.url().optional(),
});
type Discovery = z.output<typeof discoverySchema>;

const oidcClaims = z.object({
  sub: z.string().min(1),
  preferred_username: z.string().nullish(),
  nickname: z.string().nullish(),
  name: z.string().nullish(),
  email: z.string().nullish(),
  email_verified: z.boolean().nullish(),
  picture: z.string().nullish(),
});

/**
 * A generic OpenID Connect provider found through `${OIDC_ISSUER}/.well-known/openid-configuration`.
 * The ID token comes straight from the token endpoint over the connection we opened, so its
 * signature is not checked (OIDC Core 3.1.3.7 lets TLS stand in); its issuer and audience are.
 */
function oidcProvider(creds: Credentials, redirect: string): OAuthProvider {
  const client = new OAuth2Client(creds.clientId, creds.clientSecret, redirect);
  let discovery: Promise<Discovery> | undefined;
  const discover = () => {
    discovery ??= fetchDiscovery(creds.baseUrl).catch((err) => {
      discovery = undefined; // a provider that was down at first use is asked again next time
      throw err;
    });
    return discovery;
  };

  return {
    id: "oidc",
    label: new URL(creds.baseUrl).host,
    async authorizationUrl(state, verifier) {
      const meta = await discover();
      return client.createAuthorizationURLWithPKCE(
        meta.authorization_endpoint,
        state,
        CodeChallengeMethod.S256,
        verifier,
        ["openid", "profile", "email"],
      );
    },
    async profile(code, verifier) {
      const meta = await discover();
      const tokens = await exchange(() =>
        client.validateAuthorizationCode(meta.token_endpoint, code, verifier),
      );
      const fromIdToken =
        "id_token" in tokens.data ? idTokenClaims(tokens.idToken(), meta.issuer, creds.clientId) : {};
      const fromUserinfo = meta.userinfo_endpoint
        ? await getJson(meta.userinfo_endpoint, tokens.accessToken(), z.record(z.string(), z.unknown()))
        : {};
      if ("sub" in fromIdToken && "sub" in fromUserinfo && fromIdToken.sub !== fromUserinfo.sub) {
        throw new OAuthFailure("provider_error", "the userinfo subject differs from the ID token's");
      }
      const parsed = oidcClaims.safeParse({ ...fromIdToken, ...fromUserinfo });
      if (!parsed.success) throw new OAuthFailure("provider_error", "the provider named no subject");
      const c = parsed.data;
      const email = c.email && c.email_verified !== false ? c.email : null;
      return {
        id: c.sub,
        login: c.preferred_username || c.nickname || email?.split("@")[0] || c.name || c.sub,
        name: c.name || null,
        email,
        avatarUrl: httpUrl(c.picture),
      };
    },
  };
}

async function fetchDiscovery(issuer: string): Promise<Discovery> {
  let res: Response;
  try {
    res = await fetch(`${issuer}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
  } catch {
    throw new OAuthFailure("provider_error", "the OIDC issuer is unreachable");
  }
  const parsed = discoverySchema.safeParse(res.ok ? await res.json().catch(() => null) : null);
  if (!parsed.success)
    throw new OAuthFailure("provider_error", "the OIDC issuer's discovery document is not valid");
  if (parsed.data.issuer.replace(/\/+$/, "") !== issuer) {
    throw new OAuthFailure("provider_error", "the OIDC discovery document names another issuer");
  }
  return parsed.data;
}

function idTokenClaims(idToken: string, issuer: string, clientId: string): Record<string, unknown> {
  let claims: Record<string, unknown>;
  try {
    claims = decodeIdToken(idToken) as Record<string, unknown>;
  } catch {
    throw new OAuthFailure("provider_error", "the ID token is not a JWT");
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== issuer || !aud.includes(clientId)) {
    throw new OAuthFailure("provider_error", "the ID token was issued by someone else or for another client");
  }
  return claims;
}
