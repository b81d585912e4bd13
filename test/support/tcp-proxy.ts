import net from "node:net";

/**
 * A TCP hop in front of a real server that a test can cut and mend, to see what the product does
 * when its database (or anything else) goes away and comes back without being restarted itself.
 */
export interface TcpProxy {
  port: number;
  /** Drops every open connection and refuses new ones until `mend`. */
  cut(): void;
  mend(): void;
  stop(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let open = true;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    // pipe() keeps backpressure and never drops a byte of a large result.
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const cut = () => {
    open = false;
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    cut,
    mend() {
      open = true;
    },
    stop: () =>
      new Promise<void>((done) => {
        cut();
        server.close(() => done());
      }),
  };
}
