// The fuzzers of `bun run test` (test/unit/fuzz-content.test.ts, test/integration/fuzz-api.test.ts)
// with many more inputs each: FUZZ_RUNS from the environment, else 5,000. Each prints its seed;
// a failure replays with FUZZ_SEED. Run with `bun run bench fuzz`.
import { join } from "node:path";
import { heading, row, verdict } from "./measure.ts";

const runs = Bun.env.FUZZ_RUNS ?? "5000";
const repo = join(import.meta.dir, "../..");
const files = ["test/unit/fuzz-content.test.ts", "test/integration/fuzz-api.test.ts"];

heading(`fuzzing with ${runs} inputs per property`);
const started = performance.now();
const child = Bun.spawn(["bun", "test", "--timeout", "3600000", ...files], {
  cwd: repo,
  env: { ...Bun.env, FUZZ_RUNS: runs },
  stdout: "pipe",
  stderr: "pipe",
});
const [out, err, code] = await Promise.all([
  new Response(child.stdout).text(),
  new Response(child.stderr).text(),
  child.exited,
]);
const lines = `${out}\n${err}`
  .split("\n")
  .filter((l) => /^fuzz |^\((pass|fail)\)|seed|Counterexample/.test(l));
for (const line of lines) console.log(`  ${line}`);
row("fuzzing time", `${((performance.now() - started) / 1000).toFixed(0)} s`);
verdict("no property fails", code === 0, "a fuzzer found an input; replay it with the FUZZ_SEED above");
