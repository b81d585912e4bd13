// `bun run bench [name…]`: runs every benchmark in test/bench/ (`*.bench.ts`, or those whose file
// name contains one of the names given), one after another, each in its own process. Benchmarks
// report figures and targets; a missed target is a finding, not a failure. The exit code is
// non-zero only when a benchmark could not run.
import { availableParallelism, loadavg } from "node:os";
import { knobs } from "./knobs.ts";

const names = Bun.argv.slice(2);
const files = [...new Bun.Glob("*.bench.ts").scanSync(import.meta.dir)]
  .filter((f) => names.length === 0 || names.some((n) => f.includes(n)))
  .sort();

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

console.log(
  `bun ${Bun.version}, ${availableParallelism()} cores, load average ${load()}\n` +
    Object.entries(knobs)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
);
console.log(
  "Everything (load clients, the API, PostgreSQL) shares this machine's cores; compare ratios, not absolutes.",
);

const started = performance.now();
const failed: string[] = [];
for (const file of files) {
  const child = Bun.spawn([process.execPath, `${import.meta.dir}/${file}`], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  if ((await child.exited) !== 0) failed.push(file);
}
console.log(
  `\n${files.length} benchmark files in ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${load()}`,
);
if (failed.length) {
  console.log(`could not run: ${failed.join(", ")}`);
  process.exit(1);
}
