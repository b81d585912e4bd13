import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One server the terminal client signs in to. */
export interface Profile {
  server: string;
  token?: string;
  username?: string;
  /** The community `#channel` names resolve in when no --community is given. */
  community?: string;
}

export interface ProfileFile {
  /** The profile used when no --profile is given. */
  default: string;
  profiles: Record<string, Profile>;
}

export const DEFAULT_PROFILE = "default";
export const DEFAULT_SERVER = "http://127.0.0.1:3000";

export const profilePath = (configDir: string) => join(configDir, "profiles.json");

/** The stored profiles; an absent or unreadable file is an empty one (nobody signed in yet). */
export function readProfiles(configDir: string): ProfileFile {
  try {
    const parsed = JSON.parse(readFileSync(profilePath(configDir), "utf8")) as Partial<ProfileFile>;
    return {
      default: typeof parsed.default === "string" ? parsed.default : DEFAULT_PROFILE,
      profiles: parsed.profiles && typeof parsed.profiles === "object" ? parsed.profiles : {},
    };
  } catch {
    return { default: DEFAULT_PROFILE, profiles: {} };
  }
}

/**
 * Writes the profiles, tokens included, readable by the owner only: the directory 0700, the file
 * 0600, written beside and renamed over so a crash never leaves half a file.
 */
export function writeProfiles(configDir: string, file: ProfileFile) {
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const path = profilePath(configDir);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFileSync is masked by the umask; say it again to be sure.
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** Changes one profile (creating it) and writes the file. */
export function updateProfile(
  configDir: string,
  name: string,
  change: (current: Profile | undefined) => Profile | undefined,
) {
  const file = readProfiles(configDir);
  const next = change(file.profiles[name]);
  if (next === undefined) delete file.profiles[name];
  else file.profiles[name] = next;
  writeProfiles(configDir, file);
  return next;
}
