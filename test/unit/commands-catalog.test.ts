import { describe, expect, test } from "bun:test";
import { COMMANDS, commandNamed, commandsFor } from "../../lib/commands/catalog.ts";

/** The modules loading `entry` evaluates: its static imports, transitively (dynamic ones wait for a call). */
async function loadedWith(entry: string): Promise<string[]> {
  const built = await Bun.build({ entrypoints: [entry], target: "bun", metafile: true });
  const inputs = built.metafile?.inputs ?? {};
  const start = Object.keys(inputs).find((path) => entry.endsWith(path)) as string;
  const seen = new Set([start]);
  for (const path of seen) {
    for (const imported of inputs[path]?.imports ?? []) {
      if (imported.kind !== "dynamic-import") seen.add(imported.path);
    }
  }
  return [...seen];
}

describe("the command catalog", () => {
  test("loads no database, bus, package or domain code, so clients list commands without the server", async () => {
    const loaded = await loadedWith(new URL("../../lib/commands/catalog.ts", import.meta.url).pathname);
    // What it does load, so this cannot pass by finding nothing: every command's file.
    for (const command of COMMANDS) expect(loaded).toContain(`lib/commands/${command.name}.ts`);
    // Beyond its own folder, only the rules its parsers check names (and /remind's times) against;
    // no package at all.
    expect(loaded.filter((path) => !path.startsWith("lib/commands/")).sort()).toEqual([
      "lib/auth/scopes.ts",
      "lib/channels/name.ts",
      "lib/control-chars.ts",
      "lib/errors.ts",
      "lib/schedule/when.ts",
      "lib/users/username.ts",
    ]);
    // Commands look names up (and act) only when run.
    expect(loaded).not.toContain("lib/commands/resolve.ts");
  });

  test("each command has one name, and a role sees admin commands only as owner or admin", () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(commandNamed(name)?.name).toBe(name);
    expect(commandNamed("frobnicate")).toBeUndefined();
    const admin = COMMANDS.filter((c) => c.admin);
    expect(admin.length).toBeGreaterThan(0);
    for (const role of ["owner", "admin"]) expect(commandsFor(role)).toEqual([...COMMANDS]);
    for (const role of ["member", null]) {
      expect(commandsFor(role)).toEqual(COMMANDS.filter((c) => !c.admin));
    }
  });
});
