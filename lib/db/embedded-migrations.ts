// The migrations compiled into the program, so the single-file binary needs no migrations/ folder.
// Add each new migration drizzle-kit writes here too; a unit test compares this list with the journal.
import m0000 from "../../migrations/0000_init.sql" with { type: "text" };
import m0001 from "../../migrations/0001_setup_and_device_codes.sql" with { type: "text" };
import m0002 from "../../migrations/0002_webhook_threads.sql" with { type: "text" };
import m0003 from "../../migrations/0003_user_deactivation.sql" with { type: "text" };
import m0005 from "../../migrations/0005_shared_rate_limits.sql" with { type: "text" };
import m0006 from "../../migrations/0006_conversations_and_notify_prefs.sql" with { type: "text" };
import m0007 from "../../migrations/0007_faces_and_lists.sql" with { type: "text" };
import m0008 from "../../migrations/0008_notify_all_index.sql" with { type: "text" };
import m0009 from "../../migrations/0009_integration_deliveries.sql" with { type: "text" };
import m0010 from "../../migrations/0010_slack_import.sql" with { type: "text" };
import m0012 from "../../migrations/0012_slash_commands.sql" with { type: "text" };
import m0013 from "../../migrations/0013_integration_outbox.sql" with { type: "text" };
import m0014 from "../../migrations/0014_delivery_dry_run.sql" with { type: "text" };
import m0015 from "../../migrations/0015_scheduled_jobs.sql" with { type: "text" };
import m0017 from "../../migrations/0017_jsonb_values_not_strings.sql" with { type: "text" };
import m0018 from "../../migrations/0018_phrase_word_pairs.sql" with { type: "text" };
import m0019 from "../../migrations/0019_history_versions.sql" with { type: "text" };

/** Each migration's tag and SQL text, in journal order. */
export const embeddedMigrationFiles: { tag: string; text: string }[] = [
  { tag: "0000_init", text: m0000 },
  { tag: "0001_setup_and_device_codes", text: m0001 },
  { tag: "0002_webhook_threads", text: m0002 },
  { tag: "0003_user_deactivation", text: m0003 },
  { tag: "0005_shared_rate_limits", text: m0005 },
  { tag: "0006_conversations_and_notify_prefs", text: m0006 },
  { tag: "0007_faces_and_lists", text: m0007 },
  { tag: "0008_notify_all_index", text: m0008 },
  { tag: "0009_integration_deliveries", text: m0009 },
  { tag: "0010_slack_import", text: m0010 },
  { tag: "0012_slash_commands", text: m0012 },
  { tag: "0013_integration_outbox", text: m0013 },
  { tag: "0014_delivery_dry_run", text: m0014 },
  { tag: "0015_scheduled_jobs", text: m0015 },
  { tag: "0017_jsonb_values_not_strings", text: m0017 },
  { tag: "0018_phrase_word_pairs", text: m0018 },
  { tag: "0019_history_versions", text: m0019 },
];
