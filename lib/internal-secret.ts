import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "./config.ts";
import { StartupError } from "./startup-error.ts";

const FILE = "internal-secret";
const known = new Map<string, string>();

/**
 * The secret the gateway and the services behind it prove themselves with: AJET_INTERNAL_SECRET
 * when given (config requires it with the real servers), else the data dir's, made on first start
 * as 256 random bits in a file only its owner may read. Made in a temporary file and linked into
 * place, so processes starting together on one data dir all read the same one.
 */
export function internalSecretOf(config: Config): string {
  if (config.internalSecret) return config.internalSecret;
  const path = join(config.dataDir, FILE);
  const cached = known.get(path);
  if (cached) return cached;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const made = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const draft = `${path}.${process.pid}.${Bun.randomUUIDv7()}`;
  writeFileSync(draft, made, { mode: 0o600 });
  try {
    linkSync(draft, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    unlinkSync(draft);
  }
  const secret = readFileSync(path, "utf8").trim();
  if (secret.length < 32) {
    throw new StartupError(`${path} does not hold an internal secret: delete it and start again`);
  }
  known.set(path, secret);
  return secret;
}
