import {
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { log } from "../log.ts";
import { BusError } from "./event-bus.ts";
import type { NatsBusOptions } from "./nats-bus.ts";
import { PERSISTED_SUBJECTS } from "./subjects.ts";

/** One NATS connection with its JetStream client and manager, the bus's stream known to exist. */
export interface NatsLink {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  /** Called when, after a reconnect, the stream turns out to be a new one (the server lost its store). */
  onRecreated(handler: () => void): void;
}

/**
 * Connects (reconnecting forever once up), makes sure the stream exists, and recreates it after a
 * reconnect to a server that lost its store. An unreachable server or one without JetStream is a
 * BusError saying which.
 */
export async function connectNats(options: NatsBusOptions): Promise<NatsLink> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.servers.split(",").map((s) => s.trim()),
      name: options.name ?? "ajet-chat",
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: 3000,
    });
  } catch (err) {
    throw new BusError(`cannot reach NATS at ${options.servers}: ${(err as Error).message}`);
  }
  let jsm: JetStreamManager;
  let created: string;
  try {
    jsm = await jetstreamManager(nc);
    created = await ensureStream(jsm, options);
  } catch (err) {
    await nc.close().catch(() => {});
    throw new BusError(`NATS at ${options.servers} has no usable JetStream: ${(err as Error).message}`);
  }
  const recreated = new Set<() => void>();
  void recreateStreamOnReconnect(nc, jsm, options, created, () => {
    for (const handler of recreated) handler();
  });
  return { nc, js: jetstream(nc), jsm, stream: options.stream, onRecreated: (h) => recreated.add(h) };
}

/**
 * After a restart that lost the server's store, the stream is gone: recreate it. Whether this
 * process or another recreated it, it is a new stream (its creation time says so) whose seqs begin
 * again at 1, and the process is told.
 */
async function recreateStreamOnReconnect(
  nc: NatsConnection,
  jsm: JetStreamManager,
  options: NatsBusOptions,
  created: string,
  onRecreated: () => void,
) {
  let known = created;
  for await (const status of nc.status()) {
    if (status.type !== "reconnect") continue;
    try {
      const now = await ensureStream(jsm, options);
      if (now === known) continue;
      known = now;
      log.warn("the nats stream was recreated (the server lost its store): readers resync", {
        stream: options.stream,
      });
      onRecreated();
    } catch (err) {
      log.warn("nats stream check failed", { error: String(err) });
    }
  }
}

/** Makes the stream if it is missing; resolves with its creation time, which names this stream. */
async function ensureStream(jsm: JetStreamManager, options: NatsBusOptions): Promise<string> {
  // Deliberate settings (README, "NATS JetStream"): on disk; the log is for resuming live streams,
  // PostgreSQL keeps the data, so limits drop the oldest events and a reader older than that resyncs.
  const config = {
    name: options.stream,
    subjects: PERSISTED_SUBJECTS.map((s) => (options.subjectPrefix ?? "") + s),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: (options.maxAgeMs ?? 7 * 24 * 3600 * 1000) * 1_000_000,
    max_bytes: 1024 * 1024 * 1024,
    max_msgs: 1_000_000,
    max_msg_size: 1024 * 1024,
    // Publishes carry a message id and are retried (lib/bus/nats-bus.ts): repeats within this
    // window are stored once.
    duplicate_window: 2 * 60 * 1_000_000_000,
    num_replicas: options.replicas ?? 1,
  };
  try {
    return (await jsm.streams.info(options.stream)).created;
  } catch {
    return (await jsm.streams.add(config)).created;
  }
}
