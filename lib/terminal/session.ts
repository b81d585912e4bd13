import { ApiClient, httpTransport, type RetryPolicy } from "../client/api-client.ts";
import type { ClientConfig } from "../config.ts";
import { CliError, EXIT } from "./cli/errors.ts";
import { DEFAULT_SERVER, type Profile, readProfiles } from "./profiles.ts";

/** Where the terminal client talks to and as whom: the environment beats the stored profile. */
export interface Session {
  profileName: string;
  profile: Profile | undefined;
  server: string;
  token: string | undefined;
  config: ClientConfig;
}

// A 429 is waited out once if the server asks for at most a minute; a dropped connection is tried
// again twice, quickly, so a server that is down fails in about a second.
export const CLI_RETRY: RetryPolicy = { maxWaitSeconds: 60, backoffMs: [250, 750] };

export function openSession(config: ClientConfig, flags: { profile?: string; server?: string }): Session {
  const file = readProfiles(config.configDir);
  const profileName = flags.profile ?? file.default;
  const profile = file.profiles[profileName];
  const server = trimSlash(flags.server ?? config.server ?? profile?.server ?? DEFAULT_SERVER);
  return { profileName, profile, server, token: config.token ?? profile?.token, config };
}

/**
 * The signed-in API client; not signed in is exit code 2. With `reviver` (visibleStrings, for output
 * on a terminal) every answer is read through it.
 */
export function clientOf(
  session: Session,
  retry: RetryPolicy | undefined = CLI_RETRY,
  reviver?: (key: string, value: unknown) => unknown,
): ApiClient {
  if (!session.token) {
    const login = session.profileName === "default" ? "" : ` --profile ${session.profileName}`;
    throw new CliError(EXIT.auth, `not signed in: run ajet-chat login${login} (or set AJET_TOKEN)`);
  }
  return new ApiClient(httpTransport(session.server), session.token, undefined, retry, reviver);
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");
