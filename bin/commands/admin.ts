import { readFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import type { AdminDeps, AdminOutput } from "../../lib/admin/deps.ts";
import { doctorOutput } from "../../lib/admin/doctor.ts";
import { adminUsage, runAdminCommand, withAbsoluteFiles } from "../../lib/admin/run.ts";
import { callAdminCommand, callBackup, NoServer } from "../../lib/admin/socket.ts";
import { createBackup } from "../../lib/backup/create.ts";
import { restoreBackup } from "../../lib/backup/restore.ts";
import { type Config, loadConfig } from "../../lib/config.ts";
import { configureLog } from "../../lib/log.ts";
import { openResources } from "../../lib/runtime.ts";
import { StartupError } from "../../lib/startup-error.ts";
import { openStore } from "../../lib/storage/open-store.ts";
import { CliError, describeFailure, EXIT } from "../../lib/terminal/cli/errors.ts";
import { jsonLine, plainField } from "../../lib/terminal/cli/output.ts";

/** Who ran the command, for the audit log: the account name and uid (Bun names some accounts "unknown"). */
function osUser() {
  const uid = process.getuid?.() ?? -1;
  let name = userInfo().username;
  if (name === "unknown") {
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.split(":")[2] === String(uid));
    name = line?.split(":")[0] ?? name;
  }
  return `${name} (uid ${uid})`;
}

/** Prints one line and exits with the CLI's exit code for the failure. */
function fail(err: unknown): never {
  const { code, message } =
    err instanceof StartupError ? { code: EXIT.unreachable, message: err.message } : describeFailure(err);
  process.stderr.write(`ajet-chat: ${message.split("\n")[0]}\n`);
  process.exit(code);
}

function loadAdminConfig(): Config {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    throw new CliError(EXIT.usage, (err as Error).message);
  }
  configureLog({ level: config.logLevel === "info" ? "warn" : config.logLevel, service: "ajet-chat-admin" });
  return config;
}

/**
 * Runs `work` against the deployment's own resources when no server holds them: in embedded mode
 * this takes the data dir's lock (so a server cannot start meanwhile), in distributed mode it talks
 * to PostgreSQL, NATS and S3 as the services do. Nothing is migrated here: `admin migrate` does that.
 */
async function withLocalResources<T>(config: Config, work: (deps: Omit<AdminDeps, "osUser">) => Promise<T>) {
  const resources = await openResources(config, { db: true, bus: true, store: true }, "ajet-chat-admin", {
    migrate: false,
  });
  try {
    const { db, bus, store } = resources as Required<typeof resources>;
    return await work({ config, database: db, bus, store });
  } finally {
    await resources.close();
  }
}

/** Through the running embedded server when there is one, else on the resources directly. */
async function viaServerOrLocal<T>(config: Config, remote: () => Promise<T>, local: () => Promise<T>) {
  if (config.database.kind === "postgres") return local();
  try {
    return await remote();
  } catch (err) {
    if (err instanceof NoServer) return local();
    throw err;
  }
}

function print(output: AdminOutput, json: boolean) {
  if ("message" in output) {
    console.log(json ? jsonLine({ message: output.message }) : output.message);
    return;
  }
  for (const row of output.rows) {
    console.log(
      json
        ? jsonLine(row)
        : Object.values(row)
            .map((v) => plainField(typeof v === "object" && v !== null ? JSON.stringify(v) : (v as string)))
            .join("\t"),
    );
  }
}

/** `ajet-chat admin <command…>`: acts on this machine's deployment, with no sign-in. */
export async function runAdmin(args: string[]) {
  const json = args.includes("--json");
  const given = args.filter((a) => a !== "--json");
  if (given.length === 0 || given[0] === "help" || given.includes("--help")) {
    console.log(
      `usage (from a shell on the server, with its configuration):\n${adminUsage()}\n\nOptions: --json (one JSON object per line)`,
    );
    return;
  }
  try {
    const argv = withAbsoluteFiles(given, process.cwd());
    const config = loadAdminConfig();
    const user = osUser();
    const progress = (line: string) => process.stderr.write(`${line}\n`);
    const output = await viaServerOrLocal(
      config,
      () => callAdminCommand(config, argv, user, progress),
      () =>
        argv[0] === "doctor"
          ? doctorOutput(config, {})
          : withLocalResources(config, (deps) => runAdminCommand({ ...deps, osUser: user, progress }, argv)),
    );
    print(output, json);
    if ("failed" in output && output.failed) process.exit(EXIT.usage);
  } catch (err) {
    fail(err);
  }
}

/** `ajet-chat backup <file>`: the whole deployment in one archive, while the server keeps running. */
export async function runBackup(args: string[]) {
  const [file, ...extra] = args;
  if (!file || extra.length || file.startsWith("-"))
    fail(new CliError(EXIT.usage, "usage: ajet-chat backup <file>"));
  const target = resolve(file);
  // Written beside the target and renamed at the end: a failed backup leaves no half archive.
  const partial = `${target}.partial`;
  try {
    const config = loadAdminConfig();
    const user = osUser();
    const write = async (stream: ReadableStream<Uint8Array>) => {
      // The archive holds everything, session hashes included: only its owner may read it.
      await writeFile(partial, "", { mode: 0o600 });
      await Bun.write(partial, new Response(stream));
      await rename(partial, target);
    };
    await viaServerOrLocal(
      config,
      async () => write(await callBackup(config, user)),
      () => withLocalResources(config, async (deps) => write(await createBackup(deps, user))),
    );
    console.log(`backup written to ${target}`);
  } catch (err) {
    await rm(partial, { force: true });
    fail(err);
  }
}

/** `ajet-chat restore <file>`: a backup into an empty data dir or database. */
export async function runRestore(args: string[]) {
  const [file, ...extra] = args;
  if (!file || extra.length || file.startsWith("-"))
    fail(new CliError(EXIT.usage, "usage: ajet-chat restore <file>"));
  try {
    const config = loadAdminConfig();
    const archive = Bun.file(resolve(file));
    if (!(await archive.exists())) fail(new CliError(EXIT.usage, `no such file: ${file}`));
    const store = await openStore(config.storage);
    try {
      const restored = await restoreBackup(config, store, archive.stream(), osUser());
      console.log(`restored the backup of ${restored.createdAt} (${restored.files} files)`);
    } finally {
      await store.close();
    }
  } catch (err) {
    fail(err);
  }
}
