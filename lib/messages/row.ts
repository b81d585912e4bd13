import { getTableColumns } from "drizzle-orm";
import { messages } from "../db/schema.ts";

// A message as the code reads it, less its search columns (the text search vector, the phrase
// index's word-pair keys): only the indexes and search's own statement use them, and together they
// are about as long as the body again, read and parsed for nothing.
const { search: _search, wordPairs: _wordPairs, ...columns } = getTableColumns(messages);

/** The columns to select for a MessageRow: `db.select(messageColumns).from(messages)`. */
export const messageColumns = columns;

export type MessageRow = Omit<typeof messages.$inferSelect, "wordPairs" | "search">;
