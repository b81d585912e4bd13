import { closedLoop, type Figures, openLoop, serial } from "./measure.ts";

/** One kind of request a client sends, as one person. */
export interface Target {
  method: "GET" | "POST";
  path: string;
  token: string;
  /** JSON bodies sent in turn. */
  bodies?: Record<string, unknown>[];
  /** A body field given a value unique to each request (an idempotency key). */
  uniqueKey?: string;
}

export type Mode =
  | { kind: "closed"; clients: number; seconds: number; warmupSeconds: number }
  | { kind: "open"; rate: number; seconds: number; warmupSeconds: number }
  | { kind: "serial"; count: number; warmup: number };

export interface LoadSpec {
  baseUrl: string;
  /** Sent with every request besides the target's token (the internal secret, straight to a service). */
  headers?: Record<string, string>;
  /** Client n sends as targets[n % length]; in an open loop request n does. */
  targets: Target[];
  mode: Mode;
}

/**
 * Runs the load from a separate process, as real clients would be: the server's event loop then
 * does only the server's work. The two processes still share the machine's cores with PostgreSQL.
 */
export async function runLoad(spec: LoadSpec): Promise<Figures> {
  const child = Bun.spawn([process.execPath, import.meta.path], {
    stdin: new Blob([JSON.stringify(spec)]),
    stdout: "pipe",
    stderr: "inherit",
  });
  const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  if (code !== 0) throw new Error(`the load process exited with ${code}`);
  return JSON.parse(out) as Figures;
}

async function drive(spec: LoadSpec): Promise<Figures> {
  const run = Bun.randomUUIDv7();
  const op = async (client: number, i: number) => {
    const target = spec.targets[client % spec.targets.length] as Target;
    const body = target.bodies && {
      ...target.bodies[i % target.bodies.length],
      ...(target.uniqueKey ? { [target.uniqueKey]: `${run}-${client}-${i}` } : {}),
    };
    const res = await fetch(spec.baseUrl + target.path, {
      method: target.method,
      headers: {
        ...spec.headers,
        authorization: `Bearer ${target.token}`,
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${res.status} ${text.slice(0, 300)}`);
  };
  const { mode } = spec;
  if (mode.kind === "closed") return closedLoop({ ...mode, op });
  if (mode.kind === "open") return openLoop({ ...mode, op });
  return serial({ ...mode, op });
}

if (import.meta.main) {
  const spec = JSON.parse(await Bun.stdin.text()) as LoadSpec;
  console.log(JSON.stringify(await drive(spec)));
}
