import type { EventBus } from "../bus/event-bus.ts";
import { publishAll } from "../bus/publish.ts";
import { log } from "../log.ts";
import { firstLink } from "./first-link.ts";
import { doUnfurl, type UnfurlDeps } from "./unfurl.ts";

/** Link previews made after the reply to the post, so posting never waits on a remote site. */
export interface Unfurls {
  /**
   * Makes the preview of a message just posted or edited, if it has a link: most have none, and
   * reading one back (three tables) only to find none cost every post a statement.
   */
  queue(message: { id: string; bodyMd: string }): void;
  /** Resolves when every preview queued so far is done (shutdown, tests). */
  idle(): Promise<void>;
}

export function startUnfurls(deps: UnfurlDeps & { bus: EventBus }): Unfurls {
  const running = new Set<Promise<void>>();
  return {
    queue({ id: messageId, bodyMd }) {
      if (firstLink(bodyMd) === undefined) return;
      const job = doUnfurl(deps, messageId)
        .then((events) => publishAll(deps.bus, events))
        .catch((err: unknown) =>
          log.warn("link preview failed", { message_id: messageId, error: String(err) }),
        )
        .finally(() => running.delete(job));
      running.add(job);
    },
    async idle() {
      await Promise.all([...running]);
    },
  };
}
