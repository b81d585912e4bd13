/**
 * The browser's script, bundled by Bun from `client/main.ts`. Imported as a macro, so it runs when
 * the importing file is compiled: at start when run from source, at build time for the single
 * binary, which carries the result. (A macro may not call Bun.build itself: the bundler waits on it.)
 */
export function clientBundle(): string {
  const entry = `${import.meta.dir}/client/main.ts`;
  const built = Bun.spawnSync([process.execPath, "build", entry, "--target=browser", "--minify"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (built.exitCode !== 0) throw new Error(`the web client did not build: ${built.stderr.toString()}`);
  return built.stdout.toString();
}
