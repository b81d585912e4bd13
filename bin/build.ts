#!/usr/bin/env bun
/**
 * `bun run build [target]`: the single-file `ajet-chat` (CLI, TUI and the embedded server, with
 * PGlite's files and the migrations inside) in dist/. The target defaults to bun-linux-x64;
 * another (bun-linux-arm64, bun-darwin-arm64, …) cross-builds to dist/ajet-chat-<target>.
 * Bytecode and minifying make a one-off command start in a few milliseconds instead of ~70; splitting
 * keeps each command's code in its own chunk, so `--help` does not parse the server's or the TUI's.
 * The embedded database's worker is an entrypoint of its own (lib/db/pglite-remote.ts finds it).
 *
 * sharp cannot go inside: its addon needs libvips, a shared library, and a compiled binary can
 * neither carry one nor look packages up in node_modules. So sharp is left out of the binary and
 * written beside it as dist/sharp/ (its code bundled into one file, the addon and libvips in the
 * layout the addon's RPATH expects), which the binary loads by path (lib/images/load-sharp.ts).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { $ } from "bun";

const root = new URL("..", import.meta.url).pathname;
const target = Bun.argv[2] ?? "bun-linux-x64";
const outfile =
  target === "bun-linux-x64" ? "dist/ajet-chat" : `dist/ajet-chat-${target.replace(/^bun-/, "")}`;
// @opentui/core picks its native library by libc at run time unless told at build time.
const libc = target.includes("musl") ? "musl" : "glibc";
await $`bun build --compile --bytecode --format=esm --minify --splitting --target=${target} --define ${`process.env.OPENTUI_LIBC="${libc}"`} --external sharp bin/ajet-chat.ts lib/db/pglite-worker.ts --outfile ${outfile}`.cwd(
  root,
);

// sharp's name for the platform: bun-linux-x64-musl-baseline → linuxmusl-x64.
const [, os = "", cpu = ""] = target.split("-");
const platform = `${os}${target.includes("musl") ? "musl" : ""}-${cpu}`;
const addonDir = join(root, "node_modules/@img", `sharp-${platform}`, "lib");
const libvipsDir = join(root, "node_modules/@img", `sharp-libvips-${platform}`, "lib");
const sharpDir = join(root, target === "bun-linux-x64" ? "dist/sharp" : `dist/sharp-${platform}`);
if (!existsSync(addonDir) || !existsSync(libvipsDir)) {
  console.warn(
    `sharp for ${platform} is not installed here: that binary will refuse pictures (503 images_unavailable) unless a sharp/ folder built for it sits beside it`,
  );
} else {
  rmSync(sharpDir, { recursive: true, force: true });
  const entry = join(sharpDir, "index.js");
  await $`bun build node_modules/sharp/dist/index.mjs --target=bun --format=esm --minify --outfile ${entry}`
    .cwd(root)
    .quiet();
  // The loader asks for the addon by package name, which a compiled binary cannot look up: by path.
  const [addon] = readdirSync(addonDir).filter((f) => f.endsWith(".node"));
  const byName = `"@img/sharp-${platform}/sharp.node"`;
  const code = await Bun.file(entry).text();
  if (!addon || !code.includes(byName)) throw new Error(`sharp's loader no longer names ${byName}`);
  await Bun.write(entry, code.replaceAll(byName, `"./@img/sharp-${platform}/lib/${addon}"`));
  const copy = (from: string, to: string, names: string[]) => {
    mkdirSync(to, { recursive: true });
    for (const name of names) copyFileSync(join(from, name), join(to, name));
  };
  copy(addonDir, join(sharpDir, "@img", `sharp-${platform}`, "lib"), [addon]);
  copy(
    libvipsDir,
    join(sharpDir, "@img", `sharp-libvips-${platform}`, "lib"),
    readdirSync(libvipsDir).filter((f) => f.startsWith("libvips")),
  );
  // Their licences travel with them (sharp: Apache-2.0; libvips and what it links: see its README).
  copy(join(root, "node_modules/sharp"), sharpDir, ["LICENSE"]);
  copy(join(libvipsDir, ".."), join(sharpDir, "@img", `sharp-libvips-${platform}`), [
    "README.md",
    "versions.json",
  ]);
}
