import type { Config } from "../config.ts";
import { serveMetrics } from "../metrics/listener.ts";
import { openResources, type Resources, type Running } from "../runtime.ts";
import type { App } from "./app.ts";
import { listen } from "./listen.ts";

/**
 * A service's `start`/`stop` for running it as its own process: open what it needs, build its app,
 * listen on its port, and on stop end its streams, stop listening gracefully and close what it opened.
 */
export function defineService(spec: {
  name: string;
  needs: { db?: boolean; bus?: boolean; store?: boolean };
  port(config: Config): number;
  maxBodyBytes(config: Config): number;
  /** Builds the app from the resources named in `needs` (the others are absent). */
  build(config: Config, resources: Required<Resources>): Promise<{ app: App; close?: () => Promise<void> }>;
  /** Runs once the service listens (the gateway prints the setup link). */
  started?(config: Config, resources: Required<Resources>): Promise<void>;
}) {
  let running: Running | undefined;
  async function start(config: Config): Promise<Running> {
    const resources = await openResources(config, spec.needs, spec.name);
    try {
      const { app, close } = await spec.build(config, resources as Required<Resources>);
      const listening = listen(app, {
        host: config.host,
        port: spec.port(config),
        maxRequestBodySize: spec.maxBodyBytes(config),
      });
      const metrics = serveMetrics(config, spec.name);
      await spec.started?.(config, resources as Required<Resources>);
      running = {
        url: listening.url,
        metricsUrl: metrics.url,
        async stop() {
          await close?.();
          await listening.stop(config.shutdownGraceMs);
          metrics.stop();
          await resources.close();
        },
      };
      return running;
    } catch (err) {
      await resources.close();
      throw err;
    }
  }
  async function stop() {
    await running?.stop();
    running = undefined;
  }
  return { start, stop };
}
