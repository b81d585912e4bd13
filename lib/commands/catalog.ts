import { archive } from "./archive.ts";
import { ban } from "./ban.ts";
import type { Command } from "./command.ts";
import { customCommand } from "./custom-command.ts";
import { dm } from "./dm.ts";
import { dnd } from "./dnd.ts";
import { help } from "./help.ts";
import { invite } from "./invite.ts";
import { join } from "./join.ts";
import { kick } from "./kick.ts";
import { leave } from "./leave.ts";
import { me } from "./me.ts";
import { msg } from "./msg.ts";
import { mute } from "./mute.ts";
import { muteChannel } from "./mute-channel.ts";
import { notify } from "./notify.ts";
import { outgoing } from "./outgoing.ts";
import { purge } from "./purge.ts";
import { remind } from "./remind.ts";
import { role } from "./role.ts";
import { token } from "./token.ts";
import { topic } from "./topic.ts";
import { unarchive } from "./unarchive.ts";
import { unban } from "./unban.ts";
import { unmute } from "./unmute.ts";
import { unmuteChannel } from "./unmute-channel.ts";
import { webhook } from "./webhook.ts";

/** Every command, in the order /help lists them. A new command is a file in this folder and a line here. */
export const COMMANDS: readonly Command[] = [
  join,
  leave,
  topic,
  msg,
  dm,
  invite,
  me,
  muteChannel,
  unmuteChannel,
  notify,
  dnd,
  remind,
  help,
  ban,
  unban,
  kick,
  mute,
  unmute,
  role,
  purge,
  archive,
  unarchive,
  token,
  webhook,
  customCommand,
  outgoing,
];

export const commandNamed = (name: string) => COMMANDS.find((c) => c.name === name);

export const isAdminRole = (role: string | null) => role === "owner" || role === "admin";

/** The commands someone with this role in the community may run (admin ones for owners and admins). */
export const commandsFor = (role: string | null) => COMMANDS.filter((c) => !c.admin || isAdminRole(role));
