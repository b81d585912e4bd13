import { issueSetupToken } from "../../lib/auth/setup.ts";
import type { Config } from "../../lib/config.ts";
import type { Database } from "../../lib/db/client.ts";

/**
 * While no community exists, prints the one-time link that signs in the first person — exactly one
 * line, on stdout — whatever sign-in providers are configured: it is the only way the first account
 * is made. Each start makes a new link; older ones stop working.
 */
export async function announceSetupLink(config: Config, db: Database) {
  const token = await issueSetupToken(db.db);
  if (token) console.log(`setup link: ${config.publicUrl}/setup/${token}`);
}
