import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
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
  try {
    jsm = await jetstreamManager(nc);
    await ensureStream(jsm, options);
  } catch (err) {
    await nc.close().catch(() => {});
    throw new BusError(`NATS at ${options.servers} has no usable JetStream: ${(err as Error).message}`);
  }
  void recreateStreamOnReconnect(nc, jsm, options);
  return { nc, js: jetstream(nc), jsm, stream: options.stream };
}

// After a restart that lost the server's store, the stream is gone; recreate it.
async function recreateStreamOnReconnect(nc: NatsConnection, jsm: JetStreamManager, options: NatsBusOptions) {
  for await (const status of nc.status()) {
    if (status.type !== "reconnect") continue;
    await ensureStream(jsm, options).catch((err) =>
      log.warn("nats stream check failed", { error: String(err) }),
    );
  }
}

async function ensureStream(jsm: JetStreamManager, options: NatsBusOptions) {
  const config = {
    name: options.stream,
    subjects: PERSISTED_SUBJECTS.map((s) => (options.subjectPrefix ?? "") + s),
    max_age: (options.maxAgeMs ?? 7 * 24 * 3600 * 1000) * 1_000_000,
  };
  try {
    await jsm.streams.info(options.stream);
  } catch {
    await jsm.streams.add(config);
  }
}
