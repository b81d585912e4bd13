import type { Envelope } from "../bus/envelope.ts";
import type { BusMessage, EventBus } from "../bus/event-bus.ts";
import type { ApiClient } from "../client/api-client.ts";
import { isKind } from "../errors.ts";
import { log, logsAt } from "../log.ts";
import { liveFanOut } from "../metrics/metrics.ts";
import { accessReads, loadAccess } from "./access.ts";
import type { SharedChannels } from "./community-channels.ts";
import { communityChannels } from "./community-channels.ts";
import { communityPeople } from "./community-people.ts";
import { type Conn, HubConn } from "./connection.ts";
import type { LiveContext } from "./context.ts";
import { beginStream, offer } from "./delivery.ts";
import { presenceBatches } from "./presence-batch.ts";
import { audienceOf, ConnRegistry } from "./registry.ts";
import { reaches } from "./route.ts";

/** What a session manager pushes to one client; each SM renders it its own way (JSON, HTML). */
export type LiveItem =
  | { kind: "ready"; seq: number }
  | { kind: "event"; seq?: number; subject: string; event: Envelope }
  | { kind: "presence"; changes: { user_id: string; online: boolean }[] }
  | { kind: "resync"; reason: string }
  | { kind: "closed"; reason: string };

export interface ConnectOptions {
  /** The reader's API client: who they are is what the API says their token is. */
  api: ApiClient;
  /** The community shown (by slug), or null for DMs only. */
  communitySlug: string | null;
  /** The last event id the client saw (SSE Last-Event-ID), to resume from. */
  lastEventId?: number;
  deliver(item: LiveItem): void;
  /** The hub ended the connection (access lost, or shutdown). */
  onClose?(reason: string): void;
  /** Ask the API for the reader's unread counts with what they may see (`LiveContext.unread`). */
  unread?: boolean;
  /** Channels the client shows whose traffic it wants though its reader has not joined them. */
  watch?: string[];
  /** The reader's credential, by which streams opening at once share their access read. */
  readerKey?: string;
  /**
   * What the API said about the reader, each time it is read (at connect, before any item is
   * delivered, and after changes of their access), with the bus position it is at least as new as,
   * and the shown community's shared channels (their ids in it are those copies).
   */
  onContext?(context: LiveContext, seq: number, channels: SharedChannels | null): void;
}

export interface LiveConnection {
  readonly id: number;
  readonly userId: string;
  readonly communityId: string | null;
  /** Switches the shown community without reconnecting. */
  setCommunity(slug: string | null): Promise<void>;
  /** Replaces the channels shown whose traffic the client wants though its reader has not joined them. */
  watch(channelIds: string[]): void;
  close(): void;
}

export interface LiveHub {
  connect(options: ConnectOptions): Promise<LiveConnection>;
  readonly size: number;
  /** Sends each connection the presence changes of people relevant to it since the last flush. */
  flushPresence(): void;
  stop(): Promise<void>;
}

/** Streams one event is written to before the event loop may serve anything else (about 5 ms of writes). */
const FAN_OUT_SLICE = 200;

/**
 * Events queued behind one another for the same streams go out together, stream by stream: a
 * stream written several events in one turn costs one socket write, where one event per turn
 * costs one each (Bun sends a turn's writes to a socket together). At most this many at once, so a
 * turn stays short.
 */
const GROUP_MAX = 8;

/** One event's way through its streams. */
interface FanOut {
  m: BusMessage;
  /** Who it may reach (registry.ts audienceOf). */
  audience: string;
  conns: Conn[];
  streams: number;
  /** What its log lines say (stored events only). */
  trace: Record<string, unknown> | null;
  /** When it reached this process (performance.now()). */
  at: number;
}

const PATTERNS = ["chat.events.>", "chat.dm.>", "chat.notifications.>", "chat.typing.>", "chat.presence.>"];

/**
 * The session managers' fan-out: one bus subscription per subject pattern for the whole process,
 * events routed to the local connections whose reader may see them (lib/live/route.ts). A
 * connection learns its reader and what they may see from the API (lib/live/access.ts), then its
 * stream begins, resuming from a Last-Event-ID when it has one (lib/live/delivery.ts).
 */
export async function createLiveHub(options: { bus: EventBus; name?: string }): Promise<LiveHub> {
  const { bus } = options;
  const registry = new ConnRegistry();
  const people = communityPeople();
  const channels = communityChannels();
  const presence = presenceBatches(people);
  const reads = accessReads(registry, bus, people, channels);
  const hooks = { refresh, end };
  const route = (conn: Conn, m: BusMessage) => reaches(conn, m, hooks);
  const show = (conn: Conn, slug: string | null) => loadAccess(reads, conn, slug);
  const forget = (conn: Conn) => registry.forget(conn);
  let nextId = 1;

  /** Re-reads what the connection may see; losing access to its community ends it. */
  function refresh(conn: Conn) {
    conn.refreshing ??= show(conn, conn.community?.slug ?? null)
      .catch((err) => {
        if (isKind(err, "unauthorized", "not_found")) end(conn, "access lost");
        else log.warn("live access refresh failed", { user_id: conn.userId, error: String(err) });
      })
      .finally(() => {
        conn.refreshing = null;
      });
  }

  function end(conn: Conn, reason: string) {
    if (conn.closed) return;
    conn.closed = true;
    forget(conn);
    conn.deliver({ kind: "closed", reason });
    conn.onClose?.(reason);
  }

  /**
   * Events on their way to their streams, in order. A message to a big channel reaches thousands of
   * streams, each write into a socket tens of microseconds: it goes out in slices with the event
   * loop free between them, so requests arriving meanwhile are not held for a whole fan-out. An
   * event (with those queued behind it for the same streams) reaches all its streams before the
   * next one starts, so every stream gets them in order.
   */
  const fanning: FanOut[] = [];
  let pumping = false;

  /** The events going out together now, over the union of their streams (the first one's first). */
  let group: {
    jobs: FanOut[];
    conns: Conn[];
    /** Whether each job reaches the stream at that position of `conns`. */
    reaches: ((conn: Conn, at: number) => boolean)[];
    next: number;
  } | null = null;

  /**
   * The first queued event with those behind it for the same streams, none started yet. A stream
   * gets them in queue order, as it would one by one; so does a stream that some of them do not
   * reach (one that connected or left in between).
   */
  function nextGroup() {
    const jobs = [fanning[0] as FanOut];
    while (jobs.length < GROUP_MAX && fanning[jobs.length]?.audience === jobs[0]?.audience) {
      jobs.push(fanning[jobs.length] as FanOut);
    }
    const first = (jobs[0] as FanOut).conns;
    // The union is the first one's streams, then the others' new ones after them.
    const inFirst = (_: Conn, at: number) => at < first.length;
    if (jobs.length === 1) return { jobs, conns: first, reaches: [inFirst], next: 0 };
    const conns = [...first];
    const seen = new Set(first);
    const reaches = jobs.map((job) => {
      // Mostly the same streams in the same order (nobody came or went between them).
      if (job.conns.length === first.length && job.conns.every((conn, i) => conn === first[i]))
        return inFirst;
      const own = new Set(job.conns);
      for (const conn of job.conns) {
        if (seen.has(conn)) continue;
        seen.add(conn);
        conns.push(conn);
      }
      return (conn: Conn) => own.has(conn);
    });
    return { jobs, conns, reaches, next: 0 };
  }

  function pump() {
    let budget = FAN_OUT_SLICE;
    while (fanning.length > 0 && budget > 0) {
      group ??= nextGroup();
      const { jobs, conns, reaches } = group;
      while (group.next < conns.length && budget-- > 0) {
        const at = group.next++;
        const conn = conns[at] as Conn;
        jobs.forEach((job, i) => {
          if (reaches[i]?.(conn, at)) deliverTo(job, conn);
        });
      }
      if (group.next < conns.length) break;
      fanning.splice(0, jobs.length);
      group = null;
      for (const job of jobs) {
        if (!job.trace) continue;
        log.info("event fanned out", { ...job.trace, streams: job.streams });
        if (job.streams > 0)
          liveFanOut.observe({ service: options.name ?? "" }, (performance.now() - job.at) / 1000);
      }
    }
    pumping = fanning.length > 0;
    if (pumping) setImmediate(pump);
  }

  function deliverTo(job: FanOut, conn: Conn) {
    if (!offer(conn, job.m, route) || !job.trace) return;
    job.streams++;
    if (logsAt("debug"))
      log.debug("event delivered to a stream", { ...job.trace, stream: conn.id, user_id: conn.userId });
  }

  function onMessage(m: BusMessage) {
    const [, kind, key] = m.subject.split(".");
    if (kind === "presence") return presence.record(m);
    if (kind === "events" && m.event.type.startsWith("member.")) people.record(m);
    // Stored events end their trace here (typing would flood the log): one line per stream at
    // debug, one per session manager at info. The service is named, since the in-process bus
    // calls this inside the publishing request's context.
    const trace =
      m.seq === undefined
        ? null
        : { service: options.name, trace_id: m.traceId, type: m.event.type, seq: m.seq };
    fanning.push({
      m,
      audience: audienceOf(kind, key),
      conns: registry.reached(kind, key),
      streams: 0,
      trace,
      at: performance.now(),
    });
    if (!pumping) pump();
  }

  for (const pattern of PATTERNS) await bus.subscribe(pattern, onMessage);
  // The log began again: seqs restart from 1, so what each reader last got says nothing about the new
  // log; they refetch, and every event of the new log goes to them.
  const stopResets = bus.onReset(() => {
    for (const conn of registry.all) {
      conn.lastSeq = 0;
      conn.deliver({ kind: "resync", reason: "the event log was lost and begun again" });
    }
  });

  return {
    get size() {
      return registry.all.size;
    },
    async connect(opts) {
      const conn = new HubConn(nextId++, opts, { show, forget });
      // Registered before anything is read, so events from now on are held, not lost.
      registry.add(conn);
      let head: number | undefined;
      try {
        head = await show(conn, opts.communitySlug);
      } catch (err) {
        conn.close();
        throw err;
      }
      await beginStream(conn, bus, route, opts.lastEventId, head);
      return conn;
    },
    flushPresence() {
      presence.flush(registry.all);
      // Pruned as often as the members' lists are (at each flush): a community nobody shows goes.
      channels.keepOnly((id) => registry.shows(id));
    },
    async stop() {
      for (const pattern of PATTERNS) await bus.unsubscribe(pattern, onMessage);
      stopResets();
      for (const conn of [...registry.all]) end(conn, "server shutting down");
    },
  };
}
