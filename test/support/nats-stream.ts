import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

/** The shared NATS server of this machine and CI. */
export const SHARED_NATS_URL = "nats://127.0.0.1:4222";

/**
 * A stream name and subject prefix of this test run's own on the shared NATS server (JetStream
 * forbids two streams over the same subjects), and a way to delete the stream afterwards.
 */
export function uniqueNatsNamespace() {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  return {
    stream: `T_${id}`,
    subjectPrefix: `t${id}.`,
    /** The subjects the stream keeps, or null when there is no such stream. */
    async streamSubjects(url = SHARED_NATS_URL): Promise<string[] | null> {
      const nc = await connect({ servers: url });
      try {
        const jsm = await jetstreamManager(nc);
        return (await jsm.streams.info(`T_${id}`)).config.subjects ?? [];
      } catch {
        return null;
      } finally {
        await nc.close();
      }
    },
    async remove(url = SHARED_NATS_URL) {
      const nc = await connect({ servers: url });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(`T_${id}`).catch(() => false);
      } finally {
        await nc.close();
      }
    },
  };
}
