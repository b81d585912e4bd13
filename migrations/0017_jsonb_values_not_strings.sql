-- Rows written through Bun's PostgreSQL client before jsonb values were handed to it unencoded hold
-- their JSON as one JSON string ("{\"a\":1}"); unwrap them into the objects and arrays they spell.
-- None of these columns ever holds a bare JSON string on purpose.
UPDATE "messages" SET "embeds" = ("embeds" #>> '{}')::jsonb WHERE jsonb_typeof("embeds") = 'string';
--> statement-breakpoint
UPDATE "messages" SET "preview" = ("preview" #>> '{}')::jsonb WHERE jsonb_typeof("preview") = 'string';
--> statement-breakpoint
UPDATE "notifications" SET "data" = ("data" #>> '{}')::jsonb WHERE jsonb_typeof("data") = 'string';
--> statement-breakpoint
UPDATE "audit_log" SET "data" = ("data" #>> '{}')::jsonb WHERE jsonb_typeof("data") = 'string';
--> statement-breakpoint
UPDATE "link_previews" SET "card" = ("card" #>> '{}')::jsonb WHERE jsonb_typeof("card") = 'string';
