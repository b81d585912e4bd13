import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { AppError } from "../errors.ts";
import { log } from "../log.ts";

type Sharp = typeof import("sharp").default;

/**
 * Where the single-file binary finds sharp: a `sharp/` folder beside it, as `bun run build` writes
 * it (sharp's code bundled, its native addon and libvips). A compiled binary can carry neither a
 * shared library nor look packages up in node_modules, so the folder is loaded by its path.
 */
export const sharpBeside = () => join(dirname(process.execPath), "sharp", "index.js");

const UNAVAILABLE =
  "this server cannot process pictures: its image library (sharp) is missing — put the sharp/ folder that `bun run build` writes next to the ajet-chat binary, or run the server from source";

let loading: Promise<Sharp> | undefined;

async function importSharp(): Promise<Sharp> {
  try {
    return (await import("sharp")).default;
  } catch (fromPackages) {
    // Only the compiled binary looks beside itself: from source, process.execPath is bun's own.
    const beside = sharpBeside();
    if (!Bun.isStandaloneExecutable || !existsSync(beside)) throw fromPackages;
    const m = (await import(beside)) as { default?: Sharp } & Sharp;
    return m.default ?? m;
  }
}

/**
 * sharp, loaded once: from node_modules when run from source, else from the folder beside the
 * binary. Where neither loads, pictures are refused as "unavailable" (files still upload and show
 * as cards, avatars answer 503) with what to install, and the reason is logged once.
 */
export function loadSharp(): Promise<Sharp> {
  loading ??= importSharp().catch((err: unknown) => {
    log.warn("sharp cannot load; pictures are refused", { looked_beside: sharpBeside(), error: String(err) });
    throw err;
  });
  return loading.catch(() => {
    throw new AppError("unavailable", "images_unavailable", UNAVAILABLE);
  });
}
