import { issueSetupToken } from "../../lib/auth/setup.ts";
import type { Config } from "../../lib/config.ts";
import type { Database } from "../../lib/db/client.ts";

/**
 * With no OAuth provider configured and no community yet, prints the one-time link that signs in
 * the first person — exactly one line, on stdout. Each start makes a new link; older ones stop working.
 */
export async function announceSetupLink(config: Config, db: Database) {
  const { github, gitea, oidc } = config.oauth;
  if (github || gitea || oidc) return;
  const token = await issueSetupToken(db.db);
  if (token) console.log(`setup link: ${config.publicUrl}/setup/${token}`);
}
