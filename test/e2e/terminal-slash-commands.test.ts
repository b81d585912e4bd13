import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { startTeam, type Team } from "../support/team.ts";
import { as, runCli, startTmux, type Tmux } from "../support/terminal.ts";

// A community's own command from the terminal: `ajet-chat run` for scripts and the TUI for people,
// against the real server process and an app on loopback that the operator allowed.

/** Slack's documented check, written out here. */
const slackWouldAccept = (secret: string, req: Request, body: string) => {
  const ts = req.headers.get("x-slack-request-timestamp") ?? "";
  const expected = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  return req.headers.get("x-slack-signature") === expected;
};

describe("custom slash commands in the terminal", () => {
  let team: Team;
  let app: ReturnType<typeof Bun.serve>;
  let term: Tmux | undefined;
  const secrets: Record<string, string> = {};
  const responseUrls: string[] = [];

  beforeAll(async () => {
    app = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const name = new URL(req.url).pathname.slice(1);
        const body = await req.text();
        if (!slackWouldAccept(secrets[name] ?? "", req, body))
          return new Response("bad signature", { status: 401 });
        if (name === "broken") return new Response("boom", { status: 500 });
        const form = new URLSearchParams(body);
        responseUrls.push(form.get("response_url") as string);
        return Response.json({ text: `Deploying *${form.get("text")}* for ${form.get("user_name")}` });
      },
    });
    team = await startTeam([], { AJET_OUTBOUND_ALLOW: "127.0.0.1/32" });
    for (const name of ["deploy", "broken"]) {
      const created = await team.server.api<{ signing_secret: string }>(
        team.alice,
        "POST",
        "/api/communities/acme/commands",
        { name, url: `http://127.0.0.1:${app.port}/${name}`, description: `The ${name} app` },
      );
      secrets[name] = created.signing_secret;
    }
  });
  afterAll(async () => {
    term?.kill();
    await team?.server.stop();
    app?.stop(true);
  });

  test("ajet-chat run prints the app's answer, and fails with exit 4 and the reason when the app does", async () => {
    const env = as(team.server, team.bob);
    const ok = await runCli(["run", "/deploy prod", "--in", "#general"], { env });
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    // Piped output is the reply's markdown as it is, as for every command.
    expect(ok.stdout.trim()).toBe("Deploying **prod** for bob");
    const failed = await runCli(["run", "/broken", "--in", "#general"], { env });
    expect(failed.code).toBe(4);
    expect(failed.stderr.trim()).toEndWith("/broken failed: answered 500");
  });

  test("the TUI completes the community's command with Tab, shows the answer, and a later one", async () => {
    term = startTmux({
      width: 100,
      height: 30,
      env: { AJET_SERVER: team.server.base, AJET_TOKEN: team.bob.token, XDG_CONFIG_HOME: "/nonexistent" },
    });
    term.keys("bun bin/ajet-chat.ts", "Enter");
    await term.shows("#general");
    term.type("/dep");
    term.keys("Tab");
    await term.shows(/^> \/deploy\s*$/m);
    term.type("staging");
    term.keys("Enter");
    await term.shows("Deploying staging for bob");
    const later = await fetch(responseUrls.at(-1) as string, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "staging is *up*" }),
    });
    expect(later.status).toBe(200);
    await term.shows("/deploy: staging is up");
  });
});
