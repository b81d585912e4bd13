#!/usr/bin/env bun
/**
 * The one `ajet-chat` executable. Each command imports only what it needs, so a one-off command
 * never loads the server or the TUI.
 */
export {};

const USAGE = `usage: ajet-chat <command>

commands:
  serve      run the whole chat on this machine (embedded database, bus and file storage
             unless DATABASE_URL, NATS_URL and S3_ENDPOINT say otherwise)
  migrate    apply pending database migrations and exit
  help       show this text

exit codes: 0 ok, 1 usage or start-up failure`;

const [command, ...rest] = Bun.argv.slice(2);

switch (command) {
  case "serve": {
    const { runServe } = await import("./commands/serve.ts");
    await runServe(rest);
    break;
  }
  case "migrate": {
    const { runMigrate } = await import("./commands/migrate.ts");
    await runMigrate(rest);
    break;
  }
  case undefined:
  case "help":
  case "--help":
  case "-h":
    console.log(USAGE);
    break;
  default:
    process.stderr.write(`ajet-chat: unknown command "${command}"; see ajet-chat --help\n`);
    process.exit(1);
}
