import { and, asc, count, eq, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record.ts";
import type { CommandSpec } from "../commands/command.ts";
import type { Db } from "../db/client.ts";
import { integrationDeliveries, slashCommands } from "../db/schema.ts";
import { conflict, invalid, notFound } from "../errors.ts";

export type SlashCommandRow = typeof slashCommands.$inferSelect;

/** Slack's rule for a command's name: a slash, then lowercase letters, digits, `-` and `_`, at most 32. */
export const COMMAND_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** A custom command as admins see it: never its signing secret nor its verification token. */
export const slashCommandView = (c: SlashCommandRow) => ({
  id: c.id,
  name: c.name,
  url: c.url,
  description: c.description,
  usage_hint: c.usageHint,
  created_by: c.createdBy,
  created_at: c.createdAt,
});

/** What members see of a custom command: enough for /help and completion, not where it calls. */
export const slashCommandSpecView = (c: SlashCommandRow) => ({
  name: c.name,
  description: c.description,
  usage_hint: c.usageHint,
});

/** A custom command as /help and the permission check read it: any member may run it; bots need messages:write. */
export const customSpec = (c: Pick<SlashCommandRow, "name" | "description" | "usageHint">): CommandSpec => ({
  name: c.name,
  usage: [`/${c.name}${c.usageHint ? ` ${c.usageHint}` : ""}`],
  summary: c.description || "A command of this community",
  details: "This community's own command: it calls an app the admins registered, which answers here.",
  admin: false,
  scope: "messages:write",
});

export interface NewSlashCommand {
  name: string;
  url: string;
  description?: string;
  usageHint?: string;
}

/** Checks a new command's name and URL; built-ins are passed in, since this module must not load the catalog. */
export function checkNewCommand(input: NewSlashCommand, builtIns: readonly string[]): NewSlashCommand {
  const name = input.name.replace(/^\//, "").toLowerCase();
  if (!COMMAND_NAME.test(name))
    throw invalid(
      "a command's name is a letter then letters, digits, - or _ (at most 32), like /deploy",
      "invalid_command_name",
    );
  if (builtIns.includes(name)) throw conflict(`/${name} is a built-in command`, "command_is_built_in");
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw invalid("the command's URL is not a URL", "invalid_url");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw invalid("the command's URL must be http or https", "invalid_url");
  if (url.username || url.password) throw invalid("the command's URL cannot carry a password", "invalid_url");
  const description = (input.description ?? "").replace(/\s+/g, " ").trim();
  const usageHint = (input.usageHint ?? "").replace(/\s+/g, " ").trim();
  if (description.length > 200) throw invalid("a description is at most 200 characters");
  if (usageHint.length > 100) throw invalid("a usage hint is at most 100 characters");
  return { name, url: url.href, description, usageHint };
}

const secret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");

/**
 * Registers a custom command in the community. The signing secret (and Slack's legacy verification
 * token) come back here, the only time they are shown.
 */
/**
 * A community's custom commands are few by nature and every client loads them all (for /help and
 * completion), so their list is bounded instead of paged.
 */
export const MAX_COMMANDS_PER_COMMUNITY = 200;

export async function doCreateSlashCommand(
  db: Db,
  actorId: string | null,
  communityId: string,
  input: NewSlashCommand,
  builtIns: readonly string[],
  /** More for the audit row (who ran the admin CLI). */
  auditData: Record<string, unknown> = {},
) {
  const checked = checkNewCommand(input, builtIns);
  return db.transaction(async (tx) => {
    // Creations in one community take turns, so the bound holds under concurrent admins.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`slash-commands:${communityId}`}))`);
    const [{ n } = { n: 0 }] = await tx
      .select({ n: count() })
      .from(slashCommands)
      .where(eq(slashCommands.communityId, communityId));
    if (n >= MAX_COMMANDS_PER_COMMUNITY)
      throw conflict(
        `a community has at most ${MAX_COMMANDS_PER_COMMUNITY} custom commands: delete one first`,
        "too_many_commands",
      );
    const [row] = await tx
      .insert(slashCommands)
      .values({
        communityId,
        name: checked.name,
        url: checked.url,
        description: checked.description ?? "",
        usageHint: checked.usageHint ?? "",
        signingSecret: secret(),
        verificationToken: secret().slice(0, 24),
        createdBy: actorId,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw conflict(`/${checked.name} already exists here`, "command_exists");
    await recordAudit(tx, {
      action: "slash_command.created",
      actorId,
      communityId,
      targetType: "slash_command",
      targetId: row.id,
      data: { name: row.name, url: row.url, ...auditData },
    });
    return {
      command: slashCommandView(row),
      signing_secret: row.signingSecret,
      verification_token: row.verificationToken,
    };
  });
}

/** The community's custom commands by name. */
export function listSlashCommands(db: Db, communityId: string): Promise<SlashCommandRow[]> {
  return db
    .select()
    .from(slashCommands)
    .where(eq(slashCommands.communityId, communityId))
    .orderBy(asc(slashCommands.name));
}

/** The community's command of that name, or null. */
export async function findSlashCommand(db: Db, communityId: string, name: string) {
  // A name no command can have names none (and never reaches SQL: a NUL there is an error).
  if (!COMMAND_NAME.test(name.toLowerCase())) return null;
  const [row] = await db
    .select()
    .from(slashCommands)
    .where(and(eq(slashCommands.communityId, communityId), eq(slashCommands.name, name.toLowerCase())));
  return row ?? null;
}

/** Removes the community's command of that name; its pending response URLs stop working with it. */
export async function doDeleteSlashCommand(
  db: Db,
  actorId: string | null,
  communityId: string,
  name: string,
  auditData: Record<string, unknown> = {},
) {
  const bare = name.replace(/^\//, "").toLowerCase();
  if (!COMMAND_NAME.test(bare)) throw notFound("command", "no_such_command");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .delete(slashCommands)
      .where(and(eq(slashCommands.communityId, communityId), eq(slashCommands.name, bare)))
      .returning();
    if (!row) throw notFound(`/${bare}`, "no_such_command");
    // Its delivery log goes with it (the log's subject has no foreign key to cascade).
    await tx.delete(integrationDeliveries).where(eq(integrationDeliveries.subjectId, row.id));
    await recordAudit(tx, {
      action: "slash_command.deleted",
      actorId,
      communityId,
      targetType: "slash_command",
      targetId: row.id,
      data: { name: row.name, ...auditData },
    });
    return slashCommandView(row);
  });
}
