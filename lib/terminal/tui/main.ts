import { type CliRenderer, createCliRenderer } from "@opentui/core";
import { loadClientConfig } from "../../config.ts";
import { showControls } from "../../control-chars.ts";
import { parseArgs, stringFlag } from "../cli/args.ts";
import { describeFailure } from "../cli/errors.ts";
import { clientOf, openSession } from "../session.ts";
import { TuiApp } from "./app.ts";
import { Screen } from "./screen.ts";

/**
 * `ajet-chat tui`: checks the sign-in on the plain terminal (so a failure is one readable line),
 * then takes over the screen. Every way out — Ctrl-C, /quit, SIGTERM, SIGHUP, a crash — gives the
 * terminal back as it was.
 */
export async function startTui(argv: string[]) {
  let renderer: CliRenderer | undefined;
  let app: TuiApp | undefined;
  const restore = () => {
    app?.stop();
    if (renderer && !renderer.isDestroyed) renderer.destroy();
  };
  const leave = (code: number, message?: string) => {
    restore();
    // The screen is restored once destroy's output has been written.
    setTimeout(() => {
      if (message) process.stderr.write(`ajet-chat: ${showControls(message)}\n`);
      process.exit(code);
    }, 50);
  };
  try {
    const args = parseArgs(argv, {});
    const config = loadClientConfig();
    const session = openSession(config, {
      profile: stringFlag(args.flags, "profile"),
      server: stringFlag(args.flags, "server"),
    });
    const client = clientOf(session);
    await client.me();

    renderer = await createCliRenderer({
      exitOnCtrlC: false,
      exitSignals: [],
      useMouse: false,
      useKittyKeyboard: null,
      targetFps: 30,
    });
    const screen = new Screen(renderer);
    app = new TuiApp({
      client,
      server: session.server,
      community: stringFlag(args.flags, "community") ?? session.profile?.community,
      screen,
      bell: () => process.stdout.write("\x07"),
      quit: () => leave(0),
      emoji: config.emoji,
    });
    const started = app;
    renderer.keyInput.on("keypress", (key) => started.handleKey(key));
    renderer.keyInput.on("paste", (event) => started.paste(new TextDecoder().decode(event.bytes)));
    renderer.on("resize", () => started.draw());
    for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) process.on(signal, () => leave(0));
    process.on("uncaughtException", (err) => leave(1, `crashed: ${err.message}`));
    process.on("unhandledRejection", (err) => leave(1, `crashed: ${(err as Error)?.message ?? err}`));
    await app.start();
  } catch (err) {
    const { code, message } = describeFailure(err);
    leave(code, message);
  }
}
