import { chownSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";
import { freePort } from "../../test/support/ports.ts";
import { type Instance, serviceInstance } from "./instance.ts";

const BIN = "/usr/lib/postgresql/15/bin";

/**
 * A PostgreSQL server of the cluster's own (initdb into `dir`, a free loopback port, trust auth),
 * so that killing it touches no one else's databases. PostgreSQL refuses to run as root: as root,
 * it runs as the `postgres` user (setpriv execs, so a signal reaches the postmaster itself).
 */
export async function postgresInstance(dir: string): Promise<{ instance: Instance; serverUrl: string }> {
  mkdirSync(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : [];
  if (asRoot) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  const init = Bun.spawn(
    [...user, join(BIN, "initdb"), "-D", join(dir, "data"), "-A", "trust", "-U", "postgres"],
    {
      env: { PATH: process.env.PATH ?? "", LANG: "C.UTF-8" },
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  if ((await init.exited) !== 0) throw new Error(`initdb failed: ${await new Response(init.stderr).text()}`);
  const port = freePort();
  const serverUrl = `postgres://postgres@127.0.0.1:${port}`;
  const instance = serviceInstance({
    name: "postgres",
    port,
    command: [
      ...user,
      join(BIN, "postgres"),
      "-D",
      join(dir, "data"),
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=on",
    ],
    env: { PATH: process.env.PATH ?? "" },
    probe: async () => {
      const sql = new SQL({ url: `${serverUrl}/postgres`, max: 1, connectionTimeout: 2 });
      try {
        await sql`select 1`;
      } finally {
        await sql.close();
      }
    },
  });
  return { instance, serverUrl };
}

function postgresIds() {
  const line = Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim();
  const group = Bun.spawnSync(["id", "-g", "postgres"]).stdout.toString().trim();
  return { uid: Number(line), gid: Number(group) };
}
