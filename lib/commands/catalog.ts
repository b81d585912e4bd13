import type { Scope } from "../auth/api-tokens.ts";

/** What a command needs beyond access to the channel it is typed in. */
export interface CommandSpec {
  name: string;
  /** One line per form, e.g. `/token create <name> [scopes…] [expiry]`. */
  usage: string[];
  summary: string;
  details: string;
  /** Owners and admins only. */
  admin: boolean;
  /** The scope a bot token needs to run it; null for any token. */
  scope: Scope | null;
  /** Bots may not run it at all. */
  peopleOnly?: boolean;
}

/** Every command, in the order /help lists them. */
export const COMMANDS: CommandSpec[] = [
  {
    name: "join",
    usage: ["/join #channel"],
    summary: "Join a public channel of this community",
    details: "You join the channel and start with nothing unread. Private channels need /invite.",
    admin: false,
    scope: "channels:write",
  },
  {
    name: "leave",
    usage: ["/leave"],
    summary: "Leave this channel",
    details: "Leaves the channel (or group DM) the command is typed in. A 1:1 DM cannot be left.",
    admin: false,
    scope: "channels:write",
  },
  {
    name: "topic",
    usage: ["/topic <text>"],
    summary: "Set this channel's topic",
    details: 'Any member may set it, up to 250 characters. `/topic ""` clears it.',
    admin: false,
    scope: "channels:write",
  },
  {
    name: "msg",
    usage: ["/msg @user <text>"],
    summary: "Send someone a direct message",
    details: "Opens (or finds) your DM with a member of this community and posts the text there.",
    admin: false,
    scope: "messages:write",
    peopleOnly: true,
  },
  {
    name: "invite",
    usage: ["/invite @user [#channel]"],
    summary: "Add a member of this community to this (or the named) channel",
    details: "You must be in the channel; the person is told with an invite notification.",
    admin: false,
    scope: "channels:write",
  },
  {
    name: "me",
    usage: ["/me <action>"],
    summary: "Post an action, shown as _alice waves_",
    details: "Posts an italic line starting with your username, like IRC's /me.",
    admin: false,
    scope: "messages:write",
  },
  {
    name: "help",
    usage: ["/help", "/help <command>"],
    summary: "List the commands you can run, or explain one",
    details: "Lists only the commands your role allows.",
    admin: false,
    scope: null,
  },
  {
    name: "ban",
    usage: ["/ban @user [reason]"],
    summary: "Remove someone from this community and keep them out",
    details:
      "Removes their membership and channel memberships here; invites no longer let them in until /unban. The owner cannot be banned.",
    admin: true,
    scope: "admin",
  },
  {
    name: "unban",
    usage: ["/unban @user"],
    summary: "Lift a ban",
    details: "They can join again with an invite.",
    admin: true,
    scope: "admin",
  },
  {
    name: "kick",
    usage: ["/kick @user"],
    summary: "Remove someone from this community (they may come back with an invite)",
    details: "Removes their membership and channel memberships here. The owner cannot be kicked.",
    admin: true,
    scope: "admin",
  },
  {
    name: "mute",
    usage: ["/mute @user [duration]"],
    summary: "Stop someone posting in this community for a while",
    details:
      "Durations: `10m`, `2h`, `1d`, `1w` or combined like `1h30m`; the default is 1h, the longest 365d. Muting again replaces the expiry. The owner cannot be muted.",
    admin: true,
    scope: "admin",
  },
  {
    name: "unmute",
    usage: ["/unmute @user"],
    summary: "Lift a mute",
    details: "They can post again at once.",
    admin: true,
    scope: "admin",
  },
  {
    name: "role",
    usage: ["/role @user admin|member"],
    summary: "Make someone an admin or a member",
    details: "The owner's role cannot be changed.",
    admin: true,
    scope: "admin",
  },
  {
    name: "purge",
    usage: ["/purge #channel [count]"],
    summary: "Delete the newest messages of a channel",
    details:
      "Deletes the newest `count` messages (default 10, at most 500), thread replies included; tombstones stay.",
    admin: true,
    scope: "admin",
  },
  {
    name: "token",
    usage: ["/token create <name> [scopes…] [expiry]", "/token list", "/token revoke <id>"],
    summary: "Manage bots and their API tokens",
    details:
      "`create` makes the bot `<name>-bot` in this community (or gives an existing one a new token) and shows the token once. Scopes: messages:read, messages:write, channels:read, channels:write, reactions:write, files:write, admin (space- or comma-separated; default messages:read messages:write channels:read). An expiry like `90d` makes the token stop working then.",
    admin: true,
    scope: "admin",
    peopleOnly: true,
  },
  {
    name: "webhook",
    usage: ["/webhook create #channel <name>", "/webhook list", "/webhook revoke <id>"],
    summary: "Manage incoming webhooks",
    details:
      "`create` shows the webhook's URL once; POST Slack-style JSON (or `{text, username, avatar_url, key, thread_key}`) to it. `revoke` stops it at once.",
    admin: true,
    scope: "admin",
  },
];

export const commandSpec = (name: string) => COMMANDS.find((c) => c.name === name);

export const isAdminRole = (role: string | null) => role === "owner" || role === "admin";

/** `/help`: the commands this role may run, one line per form. */
export function helpText(role: string | null): string {
  const lines = COMMANDS.filter((c) => !c.admin || isAdminRole(role)).flatMap((c) =>
    c.usage.map((u, i) => `- \`${u}\`${i === 0 ? ` — ${c.summary}` : ""}`),
  );
  return ["**Commands**", ...lines, "", "`/help <command>` explains one."].join("\n");
}

/** `/help <command>`: its forms and details. */
export function commandHelp(spec: CommandSpec): string {
  return [
    `**/${spec.name}** — ${spec.summary}${spec.admin ? " (owners and admins only)" : ""}`,
    ...spec.usage.map((u) => `- \`${u}\``),
    "",
    spec.details,
  ].join("\n");
}

/** The usage lines of a command, for error messages. */
export const usageOf = (spec: CommandSpec) => `usage: ${spec.usage.join(" | ")}`;
