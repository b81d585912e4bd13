import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../test/support/process.ts";
import { type Instance, serviceInstance } from "./instance.ts";

/**
 * Fills deploy/nginx.conf's ${NAME}s as the nginx image's templating does in compose, refusing a
 * name it was not given (so the file and its two users cannot drift apart silently).
 */
export function renderNginxTemplate(vars: Record<string, string>): string {
  const template = readFileSync(join(repoRoot, "deploy/nginx.conf"), "utf8");
  return template.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => {
    const value = vars[name];
    if (value === undefined)
      throw new Error(`deploy/nginx.conf uses \${${name}}, which the cluster does not set`);
    return value;
  });
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by deploy/make-cert.sh into `dir`
 * (fullchain.pem, privkey.pem). Clients trust it as their CA (NODE_EXTRA_CA_CERTS).
 */
export async function makeCertificate(dir: string) {
  const proc = Bun.spawn(["sh", join(repoRoot, "deploy/make-cert.sh"), "localhost"], {
    env: { PATH: process.env.PATH ?? "", CERT_DIR: dir },
    stdout: "ignore",
    stderr: "pipe",
  });
  if ((await proc.exited) !== 0)
    throw new Error(`making the certificate failed: ${await new Response(proc.stderr).text()}`);
  return { cert: join(dir, "fullchain.pem"), key: join(dir, "privkey.pem") };
}

/**
 * Debian's nginx in the foreground with a config of its own in `dir`: the shared server blocks
 * inside a minimal http block, every path it writes under `dir`.
 */
export function nginxInstance(spec: {
  dir: string;
  httpsPort: number;
  httpPort: number;
  certDir: string;
  gateways: Instance[];
  uploadLimit: string;
}): Instance {
  const { dir } = spec;
  const temp = join(dir, "temp");
  mkdirSync(temp, { recursive: true });
  mkdirSync(join(dir, "acme"), { recursive: true });
  // Workers run as nobody when nginx starts as root: they must reach the temp dir.
  chmodSync(dir, 0o755);
  chmodSync(temp, 0o777);
  const servers = renderNginxTemplate({
    NGINX_HTTP_PORT: `127.0.0.1:${spec.httpPort}`,
    NGINX_HTTPS_PORT: `127.0.0.1:${spec.httpsPort}`,
    NGINX_HTTPS_REDIRECT: `:${spec.httpsPort}`,
    NGINX_CERT_DIR: spec.certDir,
    NGINX_ACME_ROOT: join(dir, "acme"),
    // Nothing is looked up: the gateways are given by address.
    NGINX_RESOLVER: "127.0.0.1",
    AJET_GATEWAY_SERVERS: spec.gateways.map((g) => `server 127.0.0.1:${g.port} max_fails=0;`).join("\n  "),
    AJET_UPLOAD_LIMIT: spec.uploadLimit,
  });
  writeFileSync(join(dir, "servers.conf"), servers);
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(temp, "body")};
  proxy_temp_path ${join(temp, "proxy")};
  fastcgi_temp_path ${join(temp, "fastcgi")};
  uwsgi_temp_path ${join(temp, "uwsgi")};
  scgi_temp_path ${join(temp, "scgi")};
  include ${join(dir, "servers.conf")};
}
`,
  );
  return serviceInstance({
    name: "nginx",
    port: spec.httpsPort,
    scheme: "https",
    command: [
      "nginx",
      "-p",
      dir,
      "-e",
      join(dir, "error.log"),
      "-c",
      join(dir, "nginx.conf"),
      "-g",
      "daemon off;",
    ],
    env: { PATH: process.env.PATH ?? "" },
  });
}
