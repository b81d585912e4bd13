/** A TCP port free on loopback right now. */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** Resolves once `check` stops throwing, or rejects after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (err) {
      last = err;
      await Bun.sleep(50);
    }
  }
  throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : String(last)}`);
}

/** A free port for each of the four services, and the environment that puts each on its own. */
export function servicePorts() {
  const ports = { gateway: freePort(), api: freePort(), web: freePort(), tui: freePort() };
  const env = {
    AJET_PORT: String(ports.gateway),
    AJET_API_PORT: String(ports.api),
    AJET_WEB_PORT: String(ports.web),
    AJET_TUI_PORT: String(ports.tui),
  };
  return { ...ports, env };
}
