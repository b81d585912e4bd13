import { hostname } from "node:os";
import { httpTransport } from "../../../client/api-client.ts";
import type { DeviceStartJson } from "../../../client/views.ts";
import { profilePath, updateProfile } from "../../profiles.ts";
import type { Command } from "../command.ts";
import { CliError, EXIT } from "../errors.ts";

/** `login`: RFC 8628's device flow at the gateway; the token is kept in the profile file (0600). */
export const login: Command = {
  usage: "login [--server URL] [--profile NAME]",
  async run(ctx) {
    const { server, profileName } = ctx.session;
    const send = httpTransport(server);
    const post = (path: string, body: unknown) =>
      send(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const started = await post("/auth/device", { client_name: `ajet-chat on ${hostname()}` });
    if (!started.ok) throw new CliError(EXIT.usage, `${server} did not start a sign-in (${started.status})`);
    const device = (await started.json()) as DeviceStartJson;
    const s = ctx.out.style;
    if (ctx.out.mode === "json") ctx.out.json(device);
    else {
      ctx.out.line(`To sign in, open ${s.underline(device.verification_uri_complete)}`);
      ctx.out.line(`and check that it shows the code ${s.bold(device.user_code)}, then approve.`);
      ctx.out.line(s.dim("Waiting for approval…"));
    }

    let interval = device.interval;
    const deadline = Date.now() + device.expires_in * 1000;
    while (Date.now() < deadline) {
      await Bun.sleep(interval * 1000);
      const res = await post("/auth/device/token", { device_code: device.device_code });
      const body = (await res.json().catch(() => ({}))) as { token?: string; error?: { code: string } };
      if (res.ok && body.token) {
        await remember(ctx, server, profileName, body.token);
        return;
      }
      const code = body.error?.code;
      if (code === "authorization_pending") continue;
      if (code === "slow_down") {
        interval += 5;
        continue;
      }
      if (code === "access_denied") throw new CliError(EXIT.auth, "the sign-in was denied in the browser");
      if (res.status === 429) {
        interval = Math.max(interval, Number(res.headers.get("retry-after") ?? interval));
        continue;
      }
      throw new CliError(EXIT.auth, `the sign-in failed (${code ?? res.status}); run ajet-chat login again`);
    }
    throw new CliError(EXIT.auth, "the code expired before it was approved; run ajet-chat login again");
  },
};

async function remember(
  ctx: Parameters<Command["run"]>[0],
  server: string,
  profileName: string,
  token: string,
) {
  const { ApiClient } = await import("../../../client/api-client.ts");
  const me = await new ApiClient(httpTransport(server), token).me();
  updateProfile(ctx.config.configDir, profileName, (current) => ({
    ...current,
    server,
    token,
    username: me.username,
  }));
  const s = ctx.out.style;
  ctx.out.record(
    { ...me, server, profile: profileName },
    [me.username, server, profileName],
    () => `Signed in to ${server} as ${s.bold(`@${me.username}`)} ${s.dim(`(profile ${profileName})`)}`,
  );
}

/** `logout`: ends the session at the server and forgets the token. */
export const logout: Command = {
  usage: "logout [--profile NAME]",
  async run(ctx) {
    const { session } = ctx;
    if (!session.token) throw new CliError(EXIT.auth, "not signed in");
    // The server forgets the session first; a token it no longer knows is already signed out.
    await ctx.client.request("POST", "/auth/logout").catch((err) => {
      if ((err as { status?: number }).status !== 401) throw err;
    });
    if (session.profile?.token) {
      updateProfile(ctx.config.configDir, session.profileName, (current) =>
        current ? { ...current, token: undefined } : undefined,
      );
    }
    ctx.out.record(
      { signed_out: true, server: session.server, profile: session.profileName },
      [session.server, session.profileName],
      () => `Signed out of ${session.server} ${ctx.out.style.dim(`(profile ${session.profileName})`)}`,
    );
  },
};

/** `whoami`: who the token belongs to, on which server and profile. */
export const whoami: Command = {
  usage: "whoami [--profile NAME]",
  async run(ctx) {
    const me = await ctx.client.me();
    const { server, profileName, config } = ctx.session;
    const s = ctx.out.style;
    ctx.out.record(
      { ...me, server, profile: profileName },
      [me.username, me.display_name, server, profileName],
      () =>
        `${s.bold(`@${me.username}`)} (${me.display_name}) on ${server} ${s.dim(
          config.token
            ? "(token from AJET_TOKEN)"
            : `(profile ${profileName}, ${profilePath(config.configDir)})`,
        )}`,
    );
  },
};

/** `sessions`: your signed-in sessions, most recently used first (every page). */
export const sessions: Command = {
  usage: "sessions",
  async run(ctx) {
    const { items } = await ctx.client.sessions();
    const s = ctx.out.style;
    for (const x of items) {
      ctx.out.record(x, [x.id, x.last_used_at, x.user_agent, x.ip, x.current ? "current" : ""], () =>
        [
          s.gray(x.id),
          x.user_agent ?? "unknown client",
          x.ip ?? "",
          s.dim(`last used ${x.last_used_at ?? "never"}`),
          x.current ? s.bold("(this one)") : "",
        ]
          .filter(Boolean)
          .join("  "),
      );
    }
  },
};
