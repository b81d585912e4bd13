#!/usr/bin/env bun
/**
 * `bun run build [target]`: the single-file `ajet-chat` (CLI, TUI and the embedded server, with
 * PGlite's files and the migrations inside) in dist/. The target defaults to bun-linux-x64;
 * another (bun-linux-arm64, bun-darwin-arm64, …) cross-builds to dist/ajet-chat-<target>.
 * Bytecode and minifying make a one-off command start in a few milliseconds instead of ~70; splitting
 * keeps each command's code in its own chunk, so `--help` does not parse the server's or the TUI's.
 * The embedded database's worker is an entrypoint of its own (lib/db/pglite-remote.ts finds it).
 */
import { $ } from "bun";

const target = Bun.argv[2] ?? "bun-linux-x64";
const outfile =
  target === "bun-linux-x64" ? "dist/ajet-chat" : `dist/ajet-chat-${target.replace(/^bun-/, "")}`;
// @opentui/core picks its native library by libc at run time unless told at build time.
const libc = target.includes("musl") ? "musl" : "glibc";
await $`bun build --compile --bytecode --format=esm --minify --splitting --target=${target} --define ${`process.env.OPENTUI_LIBC="${libc}"`} bin/ajet-chat.ts lib/db/pglite-worker.ts --outfile ${outfile}`.cwd(
  new URL("..", import.meta.url).pathname,
);
