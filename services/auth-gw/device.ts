import { z } from "zod";
import { authenticate, type Principal } from "../../lib/auth/authenticate.ts";
import {
  DEVICE_CODE_TTL_SECONDS,
  DEVICE_POLL_INTERVAL_SECONDS,
  type DevicePoll,
  doDecideDeviceLogin,
  doPollDeviceLogin,
  doStartDeviceLogin,
  findPendingDeviceLogin,
} from "../../lib/auth/device-flow.ts";
import { invalid } from "../../lib/errors.ts";
import { readBodyText, readJson } from "../../lib/http/body.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { htmlResponse } from "../../lib/http/html.ts";
import { route } from "../../lib/http/router.ts";
import { openPollPacer } from "../../lib/limits/limits.ts";
import { rateLimitRefusals } from "../../lib/metrics/metrics.ts";
import type { GatewayDeps } from "./deps.ts";
import { approvePage, decidedPage, enterCodePage } from "./device-page.ts";

const startBody = z.object({ client_name: z.string().trim().min(1).max(100).optional() });
const tokenBody = z.object({ device_code: z.string().min(1).max(200) });

// RFC 8628 §3.5 answers a poll that has no token yet with 400 and one of these error codes; we keep
// its status and codes, in our usual error shape.
const pollErrors: Record<Exclude<DevicePoll["outcome"], "issued">, [string, string]> = {
  pending: ["authorization_pending", "not approved yet; poll again after the interval"],
  slow_down: [
    "slow_down",
    `polled too fast; wait at least ${DEVICE_POLL_INTERVAL_SECONDS + 5} s between polls`,
  ],
  denied: ["access_denied", "the sign-in was denied in the browser"],
  expired: ["expired_token", "this device code expired or was used; start the login again"],
  invalid: ["invalid_grant", "this device code is not valid"],
};

// The device code and the token are secrets: no cache may keep the answers (RFC 6749 §5.1).
const noStore = { "Cache-Control": "no-store" };

/** A person signed in with a browser session; API tokens (bots) cannot approve a terminal. */
const isBrowserPerson = (me: Principal | null): me is Principal =>
  me !== null && me.via === "session" && me.user.kind === "human";

const toLogin = (code: string | null) => {
  const next = code ? `/device?code=${encodeURIComponent(code)}` : "/device";
  return new Response(null, {
    status: 303,
    headers: { Location: `/login?next=${encodeURIComponent(next)}` },
  });
};

/** Terminal login (RFC 8628 device authorization grant): the terminal's two routes and the browser's page. */
export function deviceRoutes(deps: GatewayDeps) {
  const { config, db } = deps;
  const pacer = openPollPacer(db);

  return [
    route("POST", "/auth/device", async (req, ctx) => {
      const body = await readJson(req, startBody, config.limits.maxBodyBytes);
      const started = await doStartDeviceLogin(db.db, {
        clientName: body.client_name ?? "ajet-chat terminal",
        ip: ctx.ip || null,
      });
      const verification = `${config.publicUrl}/device`;
      return Response.json(
        {
          device_code: started.deviceCode,
          user_code: started.userCode,
          verification_uri: verification,
          verification_uri_complete: `${verification}?code=${started.userCode}`,
          expires_in: DEVICE_CODE_TTL_SECONDS,
          interval: DEVICE_POLL_INTERVAL_SECONDS,
        },
        { headers: noStore },
      );
    }),

    route("POST", "/auth/device/token", async (req, ctx) => {
      const { device_code } = await readJson(req, tokenBody, config.limits.maxBodyBytes);
      const poll = await doPollDeviceLogin(db.db, device_code, {
        pacer,
        ip: ctx.ip,
        policy: config.sessions,
      });
      if (poll.outcome === "issued") return Response.json({ token: poll.token }, { headers: noStore });
      if (poll.outcome === "slow_down") rateLimitRefusals.inc({ bucket: "device_poll" });
      const [code, message] = pollErrors[poll.outcome];
      throw new HttpError(400, code, message, noStore);
    }),

    route("GET", "/device", async (req, ctx) => {
      const typed = ctx.url.searchParams.get("code");
      const me = await authenticate(db.db, req, config.sessions);
      if (!isBrowserPerson(me)) return toLogin(typed);
      if (!typed) return htmlResponse(enterCodePage());
      const request = await findPendingDeviceLogin(db.db, typed);
      if (!request) {
        return htmlResponse(
          enterCodePage("That code is not valid: it expired, was already used, or has a typo."),
          404,
        );
      }
      return htmlResponse(approvePage(request, me.user.username));
    }),

    route("POST", "/device", async (req, ctx) => {
      const form = new URLSearchParams(await readBodyText(req, config.limits.maxBodyBytes));
      const typed = form.get("code") ?? "";
      const me = await authenticate(db.db, req, config.sessions);
      if (!isBrowserPerson(me)) return toLogin(typed);
      const decision = form.get("decision");
      if (decision !== "approve" && decision !== "deny") {
        throw invalid('decision must be "approve" or "deny"');
      }
      const approve = decision === "approve";
      const decided = await doDecideDeviceLogin(db.db, typed, { userId: me.user.id, approve, ip: ctx.ip });
      if (!decided) {
        return htmlResponse(enterCodePage("That code is not valid: it expired or was already decided."), 404);
      }
      return htmlResponse(decidedPage(approve));
    }),
  ];
}
