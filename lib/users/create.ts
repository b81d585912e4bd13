import { z } from "zod";
import type { Db } from "../db/client.ts";
import { isUniqueViolation } from "../db/errors.ts";
import { users } from "../db/schema.ts";
import { conflict } from "../errors.ts";
import { textLine } from "../text-line.ts";
import { USERNAME, USERNAME_RULE } from "./username.ts";

/** What a new person picks when no OAuth provider names them: a username and a display name. */
export const newPersonSchema = z.object({
  username: z
    .string()
    .trim()
    .toLowerCase()
    .regex(USERNAME, USERNAME_RULE)
    .refine((u) => !["channel", "here", "everyone"].includes(u), "that name is reserved for mentions"),
  display_name: textLine(80).min(1),
});
export type NewPerson = z.output<typeof newPersonSchema>;

/** Creates a person; a taken username is a 409. */
export async function doCreatePerson(db: Db, input: NewPerson & { email?: string | null }) {
  try {
    const [user] = await db
      .insert(users)
      .values({ username: input.username, displayName: input.display_name, email: input.email ?? null })
      .returning();
    return user as typeof users.$inferSelect;
  } catch (err) {
    if (isUniqueViolation(err, "users_username_unique"))
      throw conflict(`the username "${input.username}" is taken`);
    throw err;
  }
}
