import { generateCodeVerifier, generateState } from "arctic";
import { recordAudit } from "../../lib/audit/record.ts";
import { doOAuthLogin, nobodyHereYet } from "../../lib/auth/oauth-login.ts";
import {
  configuredProviders,
  OAuthFailure,
  type OAuthProvider,
  oauthProviders,
  type ProviderId,
} from "../../lib/auth/oauth-providers.ts";
import { publishAll } from "../../lib/bus/publish.ts";
import { AppError, isCallerError } from "../../lib/errors.ts";
import { statusOf } from "../../lib/http/errors.ts";
import { htmlResponse } from "../../lib/http/html.ts";
import { localPath } from "../../lib/http/local-path.ts";
import { type RequestContext, route } from "../../lib/http/router.ts";
import { signInFailures } from "../../lib/metrics/metrics.ts";
import { sessionCookie } from "./cookies.ts";
import type { GatewayDeps } from "./deps.ts";
import { loginPage, signedInPage, signInFailedPage } from "./login-page.ts";
import { flowCookie, readFlowCookie } from "./oauth-flow-cookie.ts";
import { messagePage } from "./pages.ts";

// Invite codes and setup links are ~80 characters; anything far longer is not one and is not worth
// a cookie.
const MAX_LINK_LENGTH = 200;
const linkParam = (ctx: RequestContext, name: string) => {
  const value = ctx.url.searchParams.get(name);
  return value && value.length <= MAX_LINK_LENGTH ? value : null;
};

/** Sign-in with OAuth: the login page, and per enabled provider its start and callback routes. */
export function oauthRoutes(deps: GatewayDeps) {
  const { config, db, bus } = deps;
  const providers = oauthProviders(config);
  const listed = configuredProviders(config);

  const providerFor = (ctx: RequestContext): OAuthProvider => {
    const provider = providers.get(ctx.params.provider as ProviderId);
    if (!provider)
      throw new AppError("not_found", "not_found", "no such sign-in provider is enabled on this server");
    return provider;
  };

  /** A failed sign-in: audited (no actor), the half-done flow forgotten, and a page saying what next. */
  async function failed(
    ctx: RequestContext,
    provider: ProviderId,
    reason: string,
    status: number,
    text: string,
  ) {
    signInFailures.inc({ via: "oauth" });
    await recordAudit(db.db, {
      action: "login.failed",
      actorId: null,
      data: { provider, reason },
      ip: ctx.ip,
    });
    return htmlResponse(signInFailedPage(text), status, { "Set-Cookie": flowCookie(config, provider, null) });
  }

  return [
    route("GET", "/login", async (_req, ctx) =>
      htmlResponse(
        loginPage({
          providers: listed,
          next: localPath(ctx.url.searchParams.get("next")),
          notSetUp: listed.length > 0 && (await nobodyHereYet(db.db)),
        }),
      ),
    ),

    route("GET", "/auth/:provider/start", async (_req, ctx) => {
      const provider = providerFor(ctx);
      const state = generateState();
      const verifier = generateCodeVerifier();
      let url: URL;
      try {
        url = await provider.authorizationUrl(state, verifier);
      } catch (err) {
        if (!(err instanceof OAuthFailure)) throw err;
        return htmlResponse(messagePage("Sign-in unavailable", `${err.message}; try again later.`), 502);
      }
      const flow = {
        state,
        verifier,
        next: localPath(ctx.url.searchParams.get("next")),
        invite: linkParam(ctx, "invite"),
        setup: linkParam(ctx, "setup"),
      };
      return new Response(null, {
        status: 302,
        headers: { Location: url.toString(), "Set-Cookie": flowCookie(config, provider.id, flow) },
      });
    }),

    route("GET", "/auth/:provider/callback", async (req, ctx) => {
      const provider = providerFor(ctx);
      const query = ctx.url.searchParams;
      const flow = readFlowCookie(req, provider.id);
      const denied = query.get("error");
      if (denied) {
        const text =
          denied === "access_denied"
            ? `You did not allow ajet-chat to use your ${provider.label} account.`
            : `${provider.label} reported an error (${denied.slice(0, 60)}).`;
        return failed(
          ctx,
          provider.id,
          denied === "access_denied" ? "access_denied" : "provider_error",
          403,
          text,
        );
      }
      const code = query.get("code");
      if (!flow || !code || query.get("state") !== flow.state) {
        return failed(
          ctx,
          provider.id,
          "state_mismatch",
          400,
          "This sign-in link is stale or was not started in this browser. Start again from the sign-in page.",
        );
      }
      let result: Awaited<ReturnType<typeof doOAuthLogin>>;
      try {
        const profile = await provider.profile(code, flow.verifier);
        result = await doOAuthLogin(db.db, {
          provider: provider.id,
          profile,
          inviteCode: flow.invite,
          setupToken: flow.setup,
          meta: { ip: ctx.ip, userAgent: req.headers.get("user-agent"), policy: config.sessions },
        });
      } catch (err) {
        if (err instanceof OAuthFailure) {
          const status = err.reason === "invalid_code" ? 400 : 502;
          return failed(
            ctx,
            provider.id,
            err.reason,
            status,
            `${provider.label} did not confirm who you are: ${err.message}.`,
          );
        }
        if (isCallerError(err)) return failed(ctx, provider.id, err.code, statusOf(err), `${err.message}.`);
        throw err;
      }
      await publishAll(bus, result.events);
      const headers = new Headers();
      headers.append("Set-Cookie", sessionCookie(config, result.token, config.sessions.idleMs / 1000));
      headers.append("Set-Cookie", flowCookie(config, provider.id, null));
      return signedInPage(flow.next, headers, result.inviteProblem);
    }),
  ];
}
