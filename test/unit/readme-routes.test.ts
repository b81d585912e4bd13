import { expect, test } from "bun:test";
import { apiSpecs } from "../../services/api/routes.ts";

test("the README lists every API route", async () => {
  const readme = await Bun.file(new URL("../../README.md", import.meta.url)).text();
  const missing = apiSpecs.map((s) => `${s.method} ${s.path}`).filter((r) => !readme.includes(`\`${r}\``));
  expect(missing).toEqual([]);
});
