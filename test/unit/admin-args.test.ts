import { expect, test } from "bun:test";
import { findAdminCommand } from "../../lib/admin/run.ts";
import { parseSince } from "../../lib/audit/since.ts";

test("an admin command is found by its longest run of words, with its positionals and flags", () => {
  const { command, args } = findAdminCommand(["role", "@bob", "admin", "--community", "acme"]);
  expect(command.words).toEqual(["role"]);
  expect(args).toEqual({ positionals: ["@bob", "admin"], flags: { community: "acme" } });

  const search = findAdminCommand(["users", "search", "ann", "lee"]);
  expect(search.command.words).toEqual(["users", "search"]);
  expect(search.args.positionals).toEqual(["ann", "lee"]);

  expect(findAdminCommand(["audit", "--since=2d", "--what", "member."]).args.flags).toEqual({
    since: "2d",
    what: "member.",
  });
});

test("an unknown command, a flag the command does not take, or a flag without its value is refused", () => {
  expect(() => findAdminCommand(["users"])).toThrow('unknown admin command "users"');
  expect(() => findAdminCommand([])).toThrow("unknown admin command");
  expect(() => findAdminCommand(["deactivate", "@bob", "--community", "acme"])).toThrow(
    "deactivate takes no --community",
  );
  expect(() => findAdminCommand(["audit", "--who"])).toThrow("--who needs a value");
});

test("--since takes a duration back from now or a date, and refuses anything else", () => {
  const now = Date.parse("2026-12-03T12:00:00Z");
  expect(parseSince("2d", now)?.toISOString()).toBe("2026-12-01T12:00:00.000Z");
  expect(parseSince("90m", now)?.toISOString()).toBe("2026-12-03T10:30:00.000Z");
  expect(parseSince("2026-11-01", now)?.toISOString()).toBe("2026-11-01T00:00:00.000Z");
  expect(parseSince(undefined, now)).toBeUndefined();
  expect(() => parseSince("last tuesday", now)).toThrow("--since takes a time");
});
