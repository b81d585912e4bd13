import { AppError, rateLimited } from "../errors.ts";

// A full process frees a place when any stream ends; a reconnecting client need not wait long.
const RETRY_AFTER_SECONDS = 10;

/**
 * How many live streams this process holds, per person and in all. A stream over either limit is
 * refused rather than one already open closed: closing the oldest would let anyone with many
 * credentials push other people's streams out, and a person's own oldest tab is not less wanted
 * than their newest. The session managers of one process share one (the embedded server's web and
 * terminal streams count together).
 */
export function createStreamLimits(limits: { perUser: number; total: number }) {
  const byUser = new Map<string, number>();
  let total = 0;
  return {
    /** Takes a place for one more stream of the user, or throws; the answer gives it back, once. */
    admit(userId: string): () => void {
      const mine = byUser.get(userId) ?? 0;
      if (mine >= limits.perUser) {
        throw rateLimited(
          `you have ${mine} live streams open, the most one person may; close a tab or a terminal first`,
          RETRY_AFTER_SECONDS,
          "too_many_streams",
        );
      }
      if (total >= limits.total) {
        throw new AppError(
          "unavailable",
          "server_full",
          "this server holds as many live streams as it can; try again shortly",
          RETRY_AFTER_SECONDS,
        );
      }
      byUser.set(userId, mine + 1);
      total++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total--;
        const left = (byUser.get(userId) ?? 1) - 1;
        if (left === 0) byUser.delete(userId);
        else byUser.set(userId, left);
      };
    },
    get size() {
      return total;
    },
  };
}

export type StreamLimits = ReturnType<typeof createStreamLimits>;
