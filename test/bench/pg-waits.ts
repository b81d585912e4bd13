import { SQL } from "bun";

interface Activity {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
}

function classify(a: Activity): string | undefined {
  if (a.state === "idle in transaction") return "in a transaction, waiting for the API";
  if (a.state !== "active") return undefined;
  if (a.wait_event === null) return "running";
  if (/^WAL/.test(a.wait_event)) return "writing or flushing WAL";
  if (a.wait_event_type === "Lock") return "waiting for a lock";
  if (a.wait_event_type === "Client") return "reading from the API";
  return `${a.wait_event_type}/${a.wait_event}`;
}

/**
 * Samples what the database's backends are doing every 10 ms until `stop()`, which returns the
 * shares of busy backend-samples ("writing or flushing WAL 40%, running 30%…") and how many
 * backends were busy on average: where a request's time goes inside PostgreSQL. It uses its own
 * connection, so it takes none from the pools being measured.
 */
export function samplePgWaits(dbUrl: string) {
  const raw = new SQL({ url: dbUrl, max: 1 });
  const counts = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      const rows = await raw<Activity[]>`
        select state, wait_event_type, wait_event from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()`;
      samples++;
      for (const row of rows) {
        const what = classify(row);
        if (what) counts.set(what, (counts.get(what) ?? 0) + 1);
      }
      await Bun.sleep(10);
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      await raw.close();
      const busy = [...counts.values()].reduce((a, b) => a + b, 0);
      const shares = [...counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([what, n]) => `${what} ${Math.round((n / Math.max(1, busy)) * 100)}%`)
        .join(", ");
      return `postgres backends busy ${(busy / Math.max(1, samples)).toFixed(1)} on average: ${shares}`;
    },
  };
}
