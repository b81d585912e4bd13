import { defineConfig } from "drizzle-kit";

// Only generates SQL from the schema; migrations are applied by the app itself at start.
export default defineConfig({
  dialect: "postgresql",
  schema: "./lib/db/schema.ts",
  out: "./migrations",
});
