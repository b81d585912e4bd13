import { envelope } from "../bus/envelope.ts";
import type { BusMessage, EventBus } from "../bus/event-bus.ts";
import type { Outgoing } from "../bus/publish.ts";
import { subjects } from "../bus/subjects.ts";
import type { Principal } from "./authenticate.ts";

/** What a change to someone's credentials or account names: the one credential, or all of a person's. */
export interface CredentialChange {
  userId?: string;
  /** The one session or token that ended; absent when the change is about the person. */
  credentialId?: string;
  /** True when something stopped working (open streams are then re-checked at once). */
  ended: boolean;
}

/**
 * The event that tells every gateway to forget what it remembered of a person's credentials: a
 * session or token ended, the account was deactivated, or the account row the gateway hands on
 * changed (name, picture, do not disturb). Published after the change commits.
 */
export function credentialsChanged(change: CredentialChange, actorId: string | null = null): Outgoing {
  return {
    subject: subjects.credentials(),
    event: envelope("credentials.changed", {
      actor_id: actorId,
      data: {
        user_id: change.userId ?? null,
        credential_id: change.credentialId ?? null,
        ended: change.ended,
      },
    }),
  };
}

interface Entry {
  principal: Principal;
  /** When it must be checked again (ms since the epoch). */
  until: number;
}

/**
 * The gateway's memory of credentials it checked, by the exact token presented, for a few seconds:
 * every request needs its caller, and most come from someone who asked a moment ago. Forgetting is
 * by event (`credentialsChanged`, from whichever process made the change, and at once in this
 * one), so a revoked session fails on its next request; the few seconds only bound what an event
 * that never arrived (a bus outage) could leave. An entry never outlives its session's or token's
 * own expiry. A check that was under way when something was forgotten is not remembered: it may
 * have read the row from before the change.
 */
export function createCredentialCache(options: { ttlMs: number; maxEntries?: number }) {
  const { ttlMs } = options;
  const maxEntries = options.maxEntries ?? 50_000;
  const entries = new Map<string, Entry>();
  // Counts forgets; a check remembers its answer only if none happened while it ran.
  let generation = 0;
  // Nothing is remembered before the events that would forget it can arrive.
  let listening = false;

  /**
   * Entries are in the order they were remembered, so the expired ones are at the front; past the
   * bound the oldest go too (a crowd that large just checks more often).
   */
  function sweep(now: number) {
    for (const [key, entry] of entries) {
      if (entry.until > now && entries.size <= maxEntries) break;
      entries.delete(key);
    }
  }

  function forget(change: Pick<CredentialChange, "userId" | "credentialId">) {
    generation++;
    for (const [token, entry] of entries) {
      const { principal } = entry;
      const named = change.credentialId
        ? principal.credentialId === change.credentialId
        : principal.user.id === change.userId;
      if (named) entries.delete(token);
    }
  }

  return {
    /** The principal this token was last seen to be, while it may still be trusted. */
    get(token: string, now = Date.now()): Principal | undefined {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (entry.until > now) return entry.principal;
      entries.delete(token);
      return undefined;
    },
    /** Where a check begins: hand it back to `remember`. */
    mark: () => generation,
    /** Remembers a check's answer, unless something was forgotten since it began. */
    remember(token: string, principal: Principal, expiresAt: number | null, mark: number, now = Date.now()) {
      if (!listening || ttlMs <= 0 || mark !== generation) return;
      const until = Math.min(now + ttlMs, expiresAt ?? Number.POSITIVE_INFINITY);
      if (until <= now) return;
      entries.delete(token);
      entries.set(token, { principal, until });
      sweep(now);
    },
    forget,
    /** Forgets on every `credentials.changed` event from the bus; returns what stops listening. */
    async listen(bus: EventBus, onEnded?: () => void) {
      const handler = (m: BusMessage) => {
        if (m.event.type !== "credentials.changed") return;
        const d = m.event.data as { user_id?: unknown; credential_id?: unknown; ended?: unknown };
        const userId = typeof d.user_id === "string" ? d.user_id : undefined;
        const credentialId = typeof d.credential_id === "string" ? d.credential_id : undefined;
        if (!userId && !credentialId) return;
        forget({ userId, credentialId });
        if (d.ended === true) onEnded?.();
      };
      await bus.subscribe(subjects.credentials(), handler);
      listening = true;
      // An idle gateway lets go of what it remembered, too.
      const sweeper = setInterval(() => sweep(Date.now()), Math.max(ttlMs, 1000));
      sweeper.unref?.();
      return async () => {
        listening = false;
        clearInterval(sweeper);
        entries.clear();
        await bus.unsubscribe(subjects.credentials(), handler);
      };
    },
    get size() {
      return entries.size;
    },
  };
}

export type CredentialCache = ReturnType<typeof createCredentialCache>;
