#!/usr/bin/env bun
/**
 * The one `ajet-chat` executable. Each command imports only what it needs, so a one-off command
 * never loads the server or the TUI, and `--help` loads nothing at all.
 */
export {};

const USAGE = `usage: ajet-chat [command] [options]

With no command on a terminal, opens the chat (the TUI).

Sign in
  login [--server URL]       sign in with a code approved in your browser; the token is kept
                             (mode 0600) in $XDG_CONFIG_HOME/ajet-chat/profiles.json
  logout                     sign this device out
  whoami                     who you are, on which server
  sessions                   your signed-in sessions, most recently used first

Read and write
  communities | channels [--archived] | dms | members | presence [@user…]
  send <#channel|@user> [text]   post (text from stdin when not given; --code wraps it as a
                                 code block, --lang L names its language); prints the new id;
                                 --at <when> sends it later ("in 2 hours", "tomorrow at 9am")
  reply <message-id> [text]      answer in the message's thread
  dm @user [@user…] [text]       find or start the DM or group DM with exactly these people
  read <#channel|@user> [--limit N] [--before ID]
  tail <#channel|@user…> [--follow] [--limit N]   the latest messages, then new ones, edits
                                 and deletions live
  thread <message-id>            a thread, from its first message
  react <message-id> <emoji> [--remove]
  edit <message-id> [text]  |  delete <message-id>
  pins <#channel|@user>  |  pin <message-id>  |  unpin <message-id>
  saved  |  save <message-id>  |  unsave <message-id>     your private saved items
  link <message-id>             the message's permalink (opens it in context in the browser)
  whois @user                   a member's profile: names, status, do not disturb
  upload <#channel|@user> <file> [--message text]
  download <attachment-id> [-o path|-]
  search <query…> [--in #channel] [--from @user] [--limit N]
  notifications [--unread] [--why] [--read-all]   --why says which rule fired for each
  notify <#channel|@user> all|mentions|nothing|default|mute|unmute   what notifies you there
  dnd <30m|2h|1d…>|off          do not disturb: notifications are kept, nothing rings
  run '/command args…' [--in #channel]   any slash command (run '/help' lists them)
  webhook create <#channel> <name> | webhook list | webhook revoke <id>   (and edit, log, test)
  webhooks list | webhooks log <name|id> [--limit N]   a webhook's last calls and why they failed
  token create <name> [scopes…] [expiry] | token list | token revoke <id>
  outgoing create <#channel…|all> <url> [trigger words…] | outgoing list | outgoing delete <id>
  subscriptions create <url> <event-type…> | list | delete <id> | deliveries <id> | dead <id>
                | retry <id> [dead-letter-id]   a bot's event callbacks (with the bot's token)
  audit [--who @user] [--what action] [--since 2d]   the community's audit log (its owner)
  scheduled [--kind reminder|message] | scheduled cancel <id>   what you set to send later
  export --mine [file]          your own data as a zip in Slack's export format

Terminal and server
  tui                        the full-screen chat (the default on a terminal)
  serve                      run the whole chat on this machine (embedded database, bus and
                             files unless DATABASE_URL, NATS_URL and S3_ENDPOINT say otherwise)
  migrate                    apply pending database migrations and exit
  admin <command…>           act on this machine's deployment with no sign-in (setup-link, users,
                             deactivate, roles, audit, export, doctor…); admin help lists them
  backup <file>              the database and stored files in one archive, while the server runs
  restore <file>             a backup into an empty data dir or database
  help                       show this text; <command> --help shows one command's usage

Options for every command
  --json             one JSON object per line, every field the server sent
  --profile NAME     use another stored sign-in (several servers or accounts)
  --community C      the community #channel and @user names are looked up in (default: the
                     profile's, or the only one you are in)
  --server URL       the server (default: the profile's, or http://127.0.0.1:3000)
  -q                 (send, reply, edit, upload) print only the message id
  --idempotency-key K  (send, reply, upload) a retry with the same key never posts twice;
                     without one, each run makes its own and reuses it on its own retries

Output: colour and rendered markdown on a terminal; otherwise plain lines, one record per
line, fields separated by tabs (tabs, newlines and backslashes in a field escaped as \\t \\n \\\\).

Environment: AJET_SERVER and AJET_TOKEN override the stored sign-in (bots, CI); NO_COLOR.

Exit codes
  0  ok
  1  usage, or a request the server refused as invalid
  2  not signed in, or forbidden
  3  not found (channel, person, message)
  4  server unreachable
  5  rate limited (after waiting out Retry-After once)`;

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
  case "admin": {
    const { runAdmin } = await import("./commands/admin.ts");
    await runAdmin(rest);
    break;
  }
  case "backup": {
    const { runBackup } = await import("./commands/admin.ts");
    await runBackup(rest);
    break;
  }
  case "restore": {
    const { runRestore } = await import("./commands/admin.ts");
    await runRestore(rest);
    break;
  }
  case "help":
  case "--help":
  case "-h":
    console.log(USAGE);
    break;
  case undefined:
  case "tui": {
    if (command === undefined && !(process.stdin.isTTY && process.stdout.isTTY)) {
      console.log(USAGE);
      break;
    }
    const { runTui } = await import("./commands/tui.ts");
    await runTui(rest);
    break;
  }
  default: {
    const { runCli } = await import("../lib/terminal/cli/main.ts");
    await runCli(command, rest);
  }
}
