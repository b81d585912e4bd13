import { expect, test } from "bun:test";
import { dirname, join, relative } from "node:path";

const lib = join(import.meta.dir, "..", "..", "lib");
// Read as text rather than through a transpiler, which drops type-only imports: those count too.
const specifier =
  /\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s+["']([^"']+)["']/gm;

/** Each `file → specifier` of the chosen lib/ files whose import resolves into lib/http. */
async function importsOfHttp(chosen: (file: string) => boolean) {
  const found: string[] = [];
  for await (const file of new Bun.Glob("**/*.ts").scan({ cwd: lib })) {
    if (!chosen(file)) continue;
    const source = await Bun.file(join(lib, file)).text();
    for (const match of source.matchAll(specifier)) {
      const path = match[1] ?? match[2] ?? match[3] ?? "";
      if (!path.startsWith(".")) continue;
      const target = relative(lib, join(lib, dirname(file), path));
      if (target === "http" || target.startsWith("http/")) found.push(`${file} → ${path}`);
    }
  }
  return found;
}

test("no file in lib/ outside lib/http imports from lib/http: domain code speaks no HTTP", async () => {
  expect(await importsOfHttp((file) => !file.startsWith("http/"))).toEqual([]);
});

test("the scan finds imports of lib/http where there are some, type-only ones included", async () => {
  const inside = await importsOfHttp((file) => file.startsWith("http/"));
  expect(inside).toContain("http/app.ts → ./router.ts");
  // `import type { RequestContext } from "./router.ts"`
  expect(inside).toContain("http/caller.ts → ./router.ts");
});
