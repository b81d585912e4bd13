CREATE TABLE "history_versions" (
	"channel_id" uuid NOT NULL,
	"stripe" smallint NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL,
	CONSTRAINT "history_versions_channel_id_stripe_pk" PRIMARY KEY("channel_id","stripe")
);
--> statement-breakpoint
-- Each statement that changes what a history shows counts one change for each channel it touched
-- (statement-level, so an import of thousands of messages counts each channel once), on the stripe
-- of its transaction: all of one transaction's counts take the same stripe, so its row locks are
-- taken in channel id order within each statement and two transactions of one channel meet on one
-- stripe at most. An update names the rows before it too ("gone"), so a row moved away counts for
-- where it was.
CREATE FUNCTION history_stripe() RETURNS smallint
  LANGUAGE sql VOLATILE AS $$ SELECT (pg_current_xact_id()::text::bigint % 16)::smallint $$;
--> statement-breakpoint
CREATE FUNCTION history_bump_channels() RETURNS trigger
  LANGUAGE plpgsql AS $$
  DECLARE s smallint := history_stripe();
  BEGIN
    IF TG_OP = 'UPDATE' THEN
      INSERT INTO history_versions (channel_id, stripe)
        SELECT channel_id, s FROM (SELECT channel_id FROM changed UNION SELECT channel_id FROM gone) c
        WHERE channel_id IS NOT NULL ORDER BY channel_id
        ON CONFLICT (channel_id, stripe) DO UPDATE SET version = history_versions.version + 1;
    ELSE
      INSERT INTO history_versions (channel_id, stripe)
        SELECT DISTINCT channel_id, s FROM changed WHERE channel_id IS NOT NULL ORDER BY channel_id
        ON CONFLICT (channel_id, stripe) DO UPDATE SET version = history_versions.version + 1;
    END IF;
    RETURN NULL;
  END $$;
--> statement-breakpoint
CREATE FUNCTION history_bump_message_channels() RETURNS trigger
  LANGUAGE plpgsql AS $$
  DECLARE s smallint := history_stripe();
  BEGIN
    IF TG_OP = 'UPDATE' THEN
      INSERT INTO history_versions (channel_id, stripe)
        SELECT DISTINCT m.channel_id, s
        FROM (SELECT message_id FROM changed UNION SELECT message_id FROM gone) c JOIN messages m ON m.id = c.message_id
        ORDER BY m.channel_id
        ON CONFLICT (channel_id, stripe) DO UPDATE SET version = history_versions.version + 1;
    ELSE
      INSERT INTO history_versions (channel_id, stripe)
        SELECT DISTINCT m.channel_id, s FROM changed c JOIN messages m ON m.id = c.message_id ORDER BY m.channel_id
        ON CONFLICT (channel_id, stripe) DO UPDATE SET version = history_versions.version + 1;
    END IF;
    RETURN NULL;
  END $$;
--> statement-breakpoint
CREATE FUNCTION history_bump_people() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO history_versions (channel_id, stripe) VALUES ('00000000-0000-0000-0000-000000000000', history_stripe())
      ON CONFLICT (channel_id, stripe) DO UPDATE SET version = history_versions.version + 1;
    RETURN NULL;
  END $$;
--> statement-breakpoint
CREATE TRIGGER messages_history_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_channels();
--> statement-breakpoint
CREATE TRIGGER messages_history_update AFTER UPDATE ON messages REFERENCING OLD TABLE AS gone NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_channels();
--> statement-breakpoint
CREATE TRIGGER messages_history_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_channels();
--> statement-breakpoint
CREATE TRIGGER attachments_history_insert AFTER INSERT ON attachments REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_channels();
--> statement-breakpoint
CREATE TRIGGER attachments_history_update AFTER UPDATE ON attachments REFERENCING OLD TABLE AS gone NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_channels();
--> statement-breakpoint
CREATE TRIGGER attachments_history_delete AFTER DELETE ON attachments REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_channels();
--> statement-breakpoint
CREATE TRIGGER reactions_history_insert AFTER INSERT ON reactions REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_message_channels();
--> statement-breakpoint
CREATE TRIGGER reactions_history_update AFTER UPDATE ON reactions REFERENCING OLD TABLE AS gone NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_message_channels();
--> statement-breakpoint
CREATE TRIGGER reactions_history_delete AFTER DELETE ON reactions REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_message_channels();
--> statement-breakpoint
CREATE TRIGGER mentions_history_insert AFTER INSERT ON mentions REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_message_channels();
--> statement-breakpoint
CREATE TRIGGER mentions_history_update AFTER UPDATE ON mentions REFERENCING OLD TABLE AS gone NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_message_channels();
--> statement-breakpoint
CREATE TRIGGER mentions_history_delete AFTER DELETE ON mentions REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION history_bump_message_channels();
--> statement-breakpoint
-- Only the columns a history shows of its authors, and only when one really changed (sign-ins and
-- presence write other columns of the same rows all day).
CREATE TRIGGER users_history_update AFTER UPDATE OF username, display_name, avatar_url, kind, deactivated_at ON users
  FOR EACH ROW WHEN (old.username IS DISTINCT FROM new.username OR old.display_name IS DISTINCT FROM new.display_name
    OR old.avatar_url IS DISTINCT FROM new.avatar_url OR old.kind IS DISTINCT FROM new.kind
    OR old.deactivated_at IS DISTINCT FROM new.deactivated_at)
  EXECUTE FUNCTION history_bump_people();
--> statement-breakpoint
CREATE TRIGGER users_history_delete AFTER DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION history_bump_people();
--> statement-breakpoint
CREATE TRIGGER webhooks_history_update AFTER UPDATE OF name, avatar_url ON webhooks
  FOR EACH ROW WHEN (old.name IS DISTINCT FROM new.name OR old.avatar_url IS DISTINCT FROM new.avatar_url)
  EXECUTE FUNCTION history_bump_people();
--> statement-breakpoint
CREATE TRIGGER webhooks_history_delete AFTER DELETE ON webhooks FOR EACH STATEMENT EXECUTE FUNCTION history_bump_people();
