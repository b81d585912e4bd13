import { authenticate } from "../../lib/auth/authenticate.ts";
import { configuredProviders } from "../../lib/auth/oauth-providers.ts";
import { checkSetupToken, doSetupFirstUser } from "../../lib/auth/setup.ts";
import { publishAll } from "../../lib/bus/publish.ts";
import { invalid, isCallerError } from "../../lib/errors.ts";
import { readBodyText } from "../../lib/http/body.ts";
import { describeZodError, statusOf } from "../../lib/http/errors.ts";
import { html, htmlResponse } from "../../lib/http/html.ts";
import { type RequestContext, route } from "../../lib/http/router.ts";
import { doAcceptInvite, doJoinAsNewPerson, findInvite } from "../../lib/invites/invites.ts";
import { type NewPerson, newPersonSchema } from "../../lib/users/create.ts";
import { sessionCookie } from "./cookies.ts";
import type { GatewayDeps } from "./deps.ts";
import { inviteSignInPage, setupSignInPage, signInWithProvider } from "./login-page.ts";
import { messagePage, page, personForm } from "./pages.ts";

/** A JSON body, or an HTML form post — the same routes serve scripts and browsers. */
async function readPerson(
  req: Request,
  limit: number,
): Promise<{ json: boolean; fields: Record<string, string> }> {
  const text = await readBodyText(req, limit);
  const json = (req.headers.get("content-type") ?? "").includes("application/json");
  if (json) {
    try {
      return { json, fields: JSON.parse(text || "{}") };
    } catch {
      throw invalid("the request body is not valid JSON", "invalid_json");
    }
  }
  return { json, fields: Object.fromEntries(new URLSearchParams(text)) };
}

function parsePerson(fields: Record<string, string>): NewPerson | string {
  const parsed = newPersonSchema.safeParse(fields);
  return parsed.success ? parsed.data : describeZodError(parsed.error);
}

/**
 * First-user setup and invite pages, for browsers (forms) and scripts (JSON). With a sign-in
 * provider configured, both are signed into through it instead of by picking a name: such an
 * account could never sign in again.
 */
export function onboardingRoutes(deps: GatewayDeps) {
  const { config, db, bus } = deps;
  const providers = configuredProviders(config);
  const maxAge = config.sessions.idleMs / 1000;
  const meta = (req: Request, ctx: RequestContext) => ({
    ip: ctx.ip,
    userAgent: req.headers.get("user-agent"),
    policy: config.sessions,
  });
  const signedIn = (token: string, to = "/") =>
    new Response(null, {
      status: 303,
      headers: { Location: to, "Set-Cookie": sessionCookie(config, token, maxAge) },
    });

  return [
    route("GET", "/setup/:token", async (_req, ctx) => {
      if (!(await checkSetupToken(db.db, ctx.params.token ?? ""))) {
        return htmlResponse(
          messagePage("Setup link not valid", "It was used already, or this server is set up."),
          404,
        );
      }
      if (providers.length > 0) return htmlResponse(setupSignInPage(ctx.params.token ?? "", providers));
      return htmlResponse(
        personForm({
          action: `/setup/${ctx.params.token}`,
          heading: "Set up ajet-chat",
          intro: "You are the first person here. Pick your name; next you create your community.",
        }),
      );
    }),
    route("POST", "/setup/:token", async (req, ctx) => {
      if (providers.length > 0) throw signInWithProvider();
      const { json, fields } = await readPerson(req, config.limits.maxBodyBytes);
      const person = parsePerson(fields);
      try {
        if (typeof person === "string") throw invalid(person);
        const { token } = await doSetupFirstUser(db.db, ctx.params.token ?? "", person, meta(req, ctx));
        return json ? Response.json({ token }, { status: 201 }) : signedIn(token);
      } catch (err) {
        if (json || !isCallerError(err) || err.kind === "not_found") throw err;
        const form = personForm({
          action: `/setup/${ctx.params.token}`,
          heading: "Set up ajet-chat",
          intro: "You are the first person here.",
          error: err.message,
          values: fields,
        });
        return htmlResponse(form, statusOf(err));
      }
    }),
    route("GET", "/invite/:code", async (req, ctx) => {
      const found = await findInvite(db.db, ctx.params.code ?? "");
      if (!found) {
        return htmlResponse(messagePage("Invite not valid", "It expired, was used up or was revoked."), 404);
      }
      const name = found.community.name;
      const me = await authenticate(db.db, req, config.sessions);
      if (me) {
        return htmlResponse(
          page(
            `Join ${name}`,
            html`<h1>Join ${name}</h1><p>You are signed in as ${me.user.username}.</p>
<form method="post" action="/invite/${ctx.params.code ?? ""}"><button type="submit">Join ${name}</button></form>`,
          ),
        );
      }
      if (providers.length > 0) return htmlResponse(inviteSignInPage(name, ctx.params.code ?? "", providers));
      return htmlResponse(
        personForm({
          action: `/invite/${ctx.params.code}`,
          heading: `Join ${name}`,
          intro: `You are invited to ${name} on ajet-chat. Pick your name to join.`,
        }),
      );
    }),
    route("POST", "/invite/:code", async (req, ctx) => {
      const code = ctx.params.code ?? "";
      const me = await authenticate(db.db, req, config.sessions);
      const { json, fields } = await readPerson(req, config.limits.maxBodyBytes);
      if (me && me.via === "session" && !fields.username) {
        const { events } = await doAcceptInvite(db.db, code, me.user.id, { ip: ctx.ip });
        await publishAll(bus, events);
        return json
          ? Response.json({ joined: true })
          : new Response(null, { status: 303, headers: { Location: "/" } });
      }
      if (providers.length > 0) throw signInWithProvider();
      const person = parsePerson(fields);
      try {
        if (typeof person === "string") throw invalid(person);
        const { token, events } = await doJoinAsNewPerson(db.db, code, person, meta(req, ctx));
        await publishAll(bus, events);
        return json ? Response.json({ token }, { status: 201 }) : signedIn(token);
      } catch (err) {
        if (json || !isCallerError(err) || err.kind === "not_found") throw err;
        const form = personForm({
          action: `/invite/${code}`,
          heading: "Join",
          intro: "Pick your name to join.",
          error: err.message,
          values: fields,
        });
        return htmlResponse(form, statusOf(err));
      }
    }),
  ];
}
