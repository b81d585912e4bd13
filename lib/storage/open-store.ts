import type { Config } from "../config.ts";
import { StartupError } from "../startup-error.ts";
import { createDiskStore } from "./disk-store.ts";
import type { ObjectStore } from "./object-store.ts";
import { createS3Store } from "./s3-store.ts";

/** Opens the store the config names and checks it answers; failure is a one-line StartupError. */
export async function openStore(config: Config["storage"]): Promise<ObjectStore> {
  const store = config.kind === "disk" ? createDiskStore(config.dir) : createS3Store(config);
  try {
    await store.ping();
  } catch (err) {
    await store.close();
    const where = config.kind === "disk" ? config.dir : `${config.endpoint} (bucket ${config.bucket})`;
    throw new StartupError(`cannot use the file storage at ${where}: ${(err as Error).message}`);
  }
  return store;
}
