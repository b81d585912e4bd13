import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { embeddedMigrationFiles } from "../../lib/db/embedded-migrations.ts";
import { readMigrations } from "../../lib/db/migrate.ts";

describe("the files the single-file binary carries", () => {
  test("every migration in the journal is embedded, byte for byte, in journal order", () => {
    const fromDisk = readMigrations(join(import.meta.dir, "../../migrations"));
    expect(embeddedMigrationFiles.map((m) => m.tag)).toEqual(fromDisk.map((m) => m.tag));
    expect(readMigrations()).toEqual(fromDisk);
  });
});
