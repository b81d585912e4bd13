import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { freePort, waitFor } from "./ports.ts";

/** Runs `act` with a JetStream manager on a connection of its own, closed afterwards. */
export async function withJetStream<T>(url: string, act: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url, timeout: 1000, reconnect: false });
  try {
    return await act(await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

export interface PrivateNats {
  url: string;
  /** Stops the server and starts it again on the same port (and store, unless `wipe`), ready for JetStream. */
  restart(options?: { wipe?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A nats-server with JetStream of this test's own (never the shared one, which other runs use), on a
 * free loopback port with its store in a temp dir removed on stop.
 */
export async function startPrivateNats(): Promise<PrivateNats> {
  const dir = mkdtempSync(join(tmpdir(), "ajet-nats-"));
  const port = freePort();
  const url = `nats://127.0.0.1:${port}`;
  const launch = async () => {
    const proc = Bun.spawn(["nats-server", "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      // Accepting connections comes before JetStream has read its store; wait for the latter.
      await waitFor(
        () => withJetStream(url, (jsm) => jsm.getAccountInfo()),
        15_000,
        `nats-server on ${port}`,
      );
    } catch (err) {
      proc.kill();
      throw err;
    }
    return proc;
  };
  let proc = await launch();
  const halt = async () => {
    proc.kill();
    await proc.exited;
  };
  return {
    url,
    async restart(options = {}) {
      await halt();
      if (options.wipe) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir);
      }
      proc = await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
