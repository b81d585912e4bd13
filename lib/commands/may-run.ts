import type { Principal } from "../auth/authenticate.ts";
import type { ChannelAccess } from "../channels/access.ts";
import { forbidden, invalid } from "../errors.ts";
import { isAdminRole } from "./catalog.ts";
import type { CommandSpec } from "./command.ts";

/**
 * Throws unless the caller may run the command here: bots need its scope (and some commands are
 * for people only); admin commands need an owner or admin of the channel's community.
 */
export function checkMayRun(spec: CommandSpec, principal: Principal, access: ChannelAccess) {
  if (spec.peopleOnly && principal.via === "token") throw forbidden(`bots cannot run /${spec.name}`);
  if (spec.scope && principal.scopes && !principal.scopes.has(spec.scope)) {
    throw forbidden(`this token lacks the ${spec.scope} scope`);
  }
  if (!spec.admin) return;
  if (!access.channel.communityId) throw invalid(`run /${spec.name} in a channel of the community`);
  if (!isAdminRole(access.role)) throw forbidden(`only owners and admins can run /${spec.name}`);
}
