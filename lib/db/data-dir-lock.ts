import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { StartupError } from "../startup-error.ts";

/** A held lock on an embedded data dir; `release()` removes the lock file. */
export interface DataDirLock {
  path: string;
  release(): void;
}

// Lock files this process holds. A lock naming our own pid that is not among them was left by an
// earlier process that had the same pid: in a container the server is pid 1 on every restart.
const heldHere = new Set<string>();

/**
 * Takes `path` as a lock file holding our pid. PGlite allows one process per data dir, so a second
 * `serve` on the same dir must stop with a clear message instead of corrupting it. A lock left by a
 * process that no longer runs is taken over.
 */
export function lockDataDir(path: string, what: string): DataDirLock {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(resolve(path));
      let held = true;
      return {
        path,
        release() {
          if (!held) return;
          held = false;
          heldHere.delete(resolve(path));
          try {
            unlinkSync(path);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number.parseInt(readFileSync(path, "utf8"), 10);
      const reusedPid = holder === process.pid && !heldHere.has(resolve(path));
      if (Number.isInteger(holder) && holder > 0 && !reusedPid && isRunning(holder)) {
        throw new StartupError(
          `${what} is in use by another ajet-chat process (pid ${holder}); stop it or set AJET_DATA_DIR to another folder`,
        );
      }
      unlinkSync(path);
    }
  }
  throw new StartupError(`could not lock ${what} (${path})`);
}

function isRunning(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
