import { resolve } from "node:path";
import { z } from "zod";
import { parseOutboundAllow } from "./outbound/allow-list.ts";
import { isTimeZone } from "./schedule/when.ts";
import { StartupError } from "./startup-error.ts";

const port = z.coerce
  .number({ error: "must be a port number from 0 to 65535" })
  .int("must be a port number from 0 to 65535")
  .min(0, "must be a port number from 0 to 65535")
  .max(65535, "must be a port number from 0 to 65535");
const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === "" ? undefined : s))
  .optional();
const optionalUrl = (protocols: string[]) =>
  optionalText.pipe(
    z
      .string()
      .refine(
        (s) => URL.canParse(s) && protocols.includes(new URL(s).protocol),
        `must be a URL starting with ${protocols.join(" or ")}//`,
      )
      .optional(),
  );
// One URL, or several separated by commas: the instances of one service the caller spreads its
// requests over (the process cluster; behind Docker's DNS one name serves).
const optionalUrlList = (protocols: string[]) =>
  optionalText.pipe(
    z
      .string()
      .transform((s) =>
        s
          .split(",")
          .map((u) => u.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(
            z
              .string()
              .refine(
                (s) => URL.canParse(s) && protocols.includes(new URL(s).protocol),
                `must be comma-separated URLs starting with ${protocols.join(" or ")}//`,
              ),
          )
          .min(1),
      )
      .optional(),
  );
const flag = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .optional()
  .transform((v) => v === "1" || v === "true" || v === "yes");

/**
 * What the terminal client reads: the server and token that override the stored login, where the
 * login is stored, and the NO_COLOR convention. Parsed alone by `loadClientConfig`, so a one-off
 * command is not stopped by a bad server variable it never uses.
 */
const clientEnvSchema = z.object({
  AJET_SERVER: optionalUrl(["http:", "https:"]),
  AJET_TOKEN: optionalText,
  XDG_CONFIG_HOME: optionalText,
  HOME: optionalText,
  NO_COLOR: optionalText,
  // Whether the terminal can draw emoji: a UTF-8 locale, and not the Linux console (no emoji glyphs).
  LC_ALL: optionalText,
  LC_CTYPE: optionalText,
  LANG: optionalText,
  TERM: optionalText,
});

/** Every environment variable ajet-chat reads, with its default. Nothing else reads the environment. */
const envSchema = clientEnvSchema.extend({
  AJET_HOST: z.string().min(1).default("127.0.0.1"),
  AJET_PORT: port.default(3000),
  AJET_API_PORT: port.optional(),
  AJET_WEB_PORT: port.optional(),
  AJET_TUI_PORT: port.optional(),
  AJET_PUBLIC_URL: optionalUrl(["http:", "https:"]),
  AJET_API_URL: optionalUrlList(["http:", "https:"]),
  AJET_WEB_URL: optionalUrlList(["http:", "https:"]),
  AJET_TUI_URL: optionalUrlList(["http:", "https:"]),
  AJET_DATA_DIR: z.string().min(1).default("./data"),
  AJET_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  AJET_LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
  AJET_METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  AJET_METRICS_PORT: optionalText.pipe(
    z
      .string()
      .regex(/^(off|\d{1,5})$/, "must be a port number from 0 to 65535, or off")
      .refine((v) => v === "off" || Number(v) <= 65535, "must be a port number from 0 to 65535, or off")
      .transform((v) => (v === "off" ? ("off" as const) : Number(v)))
      .optional(),
  ),
  AJET_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  AJET_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(25 * 1024 * 1024),
  AJET_SHUTDOWN_GRACE_MS: z.coerce.number().int().nonnegative().default(10_000),
  AJET_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  AJET_SESSION_IDLE_DAYS: z.coerce.number().positive().default(14),
  AJET_SESSION_MAX_DAYS: z.coerce.number().positive().default(90),
  AJET_REPLAY_BUFFER: z.coerce.number().int().positive().default(10_000),
  AJET_DB_STATEMENT_LOG: z.string().min(1).optional(),
  AJET_DB_SHARED_BUFFERS: z
    .string()
    .regex(/^[1-9]\d*(kB|MB|GB)$/, "must be a size such as 32MB (a whole number and kB, MB or GB)")
    // PostgreSQL's least is 16 pages of 8kB; the embedded database's whole memory is at most a few GB.
    .refine((v) => {
      const kB = Number.parseInt(v, 10) * { kB: 1, MB: 1024, GB: 1024 * 1024 }[v.slice(-2) as "kB"];
      return kB >= 128 && kB <= 1024 * 1024;
    }, "must be from 128kB to 1GB")
    .default("32MB"),
  AJET_RATE_BURST: z.coerce.number().int().nonnegative().default(300),
  AJET_RATE_PER_SECOND: z.coerce.number().positive().default(30),
  AJET_RATE_AUTH_BURST: z.coerce.number().int().nonnegative().default(30),
  AJET_RATE_AUTH_PER_SECOND: z.coerce.number().positive().default(1),
  AJET_CORS_ORIGINS: z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .refine(
            (s) => URL.canParse(s) && ["http:", "https:"].includes(new URL(s).protocol),
            "must be comma-separated origins like https://app.example.com",
          )
          .transform((s) => new URL(s).origin),
      ),
    ),
  AJET_TRUST_PROXY: flag.default(false),
  // Private hosts/CIDRs the server may call for integrations (a CI server on 10.x); never for previews.
  AJET_OUTBOUND_ALLOW: z
    .string()
    .default("")
    .transform((s, ctx) => {
      const allow = parseOutboundAllow(s);
      if (typeof allow !== "string") return allow;
      ctx.addIssue({ code: "custom", message: allow });
      return z.NEVER;
    }),
  // Calls to outgoing webhooks and event subscriptions: how often each api instance looks for due
  // ones, how long a claimed call is its own before another may take it, the first pause before a
  // retry (doubled each time), and the attempts before a call goes to the dead letters.
  AJET_OUTBOX_POLL_MS: z.coerce.number().int().positive().default(1000),
  AJET_OUTBOX_LEASE_MS: z.coerce.number().int().min(100).default(60_000),
  AJET_OUTBOX_BACKOFF_MS: z.coerce.number().int().nonnegative().default(10_000),
  AJET_OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  AJET_STREAM_RECHECK_SECONDS: z.coerce.number().positive().default(5),
  AJET_CREDENTIAL_CACHE_SECONDS: z.coerce.number().nonnegative().max(60).default(5),
  AJET_MAX_STREAMS_PER_USER: z.coerce.number().int().positive().default(20),
  // An idle stream costs ~16–26 KB at each hop (gateway, session manager): 10,000 is about half a
  // gigabyte in the embedded server, where one process holds both.
  AJET_MAX_STREAMS: z.coerce.number().int().positive().default(10_000),
  // The zone reminders' wall-clock times ("at 9am") are read in; profiles keep no zone of their own yet.
  AJET_TIME_ZONE: optionalText.pipe(
    z.string().refine(isTimeZone, "must be an IANA time zone like Europe/Paris or UTC").optional(),
  ),
  // How often each API instance looks for reminders and scheduled messages that came due; a job
  // made here for sooner wakes it early, so this bounds only the lateness of jobs made elsewhere.
  AJET_SCHEDULER_POLL_MS: z.coerce.number().int().min(10).default(5_000),
  AJET_INTERNAL_SECRET: optionalText.pipe(
    z
      .string()
      .min(32, "must be at least 32 characters, e.g. the output of `openssl rand -hex 32`")
      .optional(),
  ),
  DATABASE_URL: optionalUrl(["postgres:", "postgresql:"]),
  // Kept apart from DATABASE_URL so a password with @ / # ? % need not be escaped by hand.
  DATABASE_PASSWORD: optionalText,
  NATS_URL: optionalText.pipe(z.string().optional()),
  NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _ only")
    .default("CHAT"),
  NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  NATS_SUBJECT_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9_-]+\.)*$/, 'dot-separated tokens ending in ".", e.g. "staging."')
    .default(""),
  S3_ENDPOINT: optionalUrl(["http:", "https:"]),
  S3_BUCKET: optionalText,
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  S3_FORCE_PATH_STYLE: flag.default(true),
  GITHUB_CLIENT_ID: optionalText,
  GITHUB_CLIENT_SECRET: optionalText,
  // GitHub Enterprise Server's address; github.com when unset.
  GITHUB_URL: optionalUrl(["http:", "https:"]),
  GITEA_URL: optionalUrl(["http:", "https:"]),
  GITEA_CLIENT_ID: optionalText,
  GITEA_CLIENT_SECRET: optionalText,
  OIDC_ISSUER: optionalUrl(["http:", "https:"]),
  OIDC_CLIENT_ID: optionalText,
  OIDC_CLIENT_SECRET: optionalText,
  // Read by Bun itself at process start (it caps concurrent fetches, 256 by default); read here only
  // so the gateway can warn when proxying long-lived streams over HTTP would hit the cap.
  BUN_CONFIG_MAX_HTTP_REQUESTS: z.coerce.number().int().positive().default(256),
});

export type Env = z.input<typeof envSchema>;

// The port Prometheus exporters conventionally take (OpenTelemetry's, prom-client's examples).
const DEFAULT_METRICS_PORT = 9464;

/** The names of every variable above (the compose files' check compares what they set against it). */
export const ENV_NAMES: readonly string[] = Object.keys(envSchema.shape);

export type Config = ReturnType<typeof buildConfig>;

function buildConfig(env: z.output<typeof envSchema>) {
  const host = env.AJET_HOST;
  const gatewayPort = env.AJET_PORT;
  // Port 0 asks the OS for a free port per service (tests); otherwise the internal services take the
  // three ports after the gateway's unless set.
  const next = (offset: number) => (gatewayPort === 0 ? 0 : gatewayPort + offset);
  const dataDir = resolve(env.AJET_DATA_DIR);
  const ports = {
    gateway: gatewayPort,
    api: env.AJET_API_PORT ?? next(1),
    web: env.AJET_WEB_PORT ?? next(2),
    tui: env.AJET_TUI_PORT ?? next(3),
  };
  const local = (p: number) => `http://${urlHost(host)}:${p}`;
  const s3 =
    env.S3_ENDPOINT === undefined
      ? undefined
      : {
          endpoint: env.S3_ENDPOINT,
          bucket: required(env.S3_BUCKET, "S3_BUCKET", "S3_ENDPOINT"),
          region: env.S3_REGION,
          accessKeyId: required(env.S3_ACCESS_KEY_ID, "S3_ACCESS_KEY_ID", "S3_ENDPOINT"),
          secretAccessKey: required(env.S3_SECRET_ACCESS_KEY, "S3_SECRET_ACCESS_KEY", "S3_ENDPOINT"),
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
        };
  return {
    host,
    ports,
    // Where the gateway and the SMs reach the other services when they run as separate processes.
    upstreams: {
      api: (env.AJET_API_URL ?? [local(ports.api)]).map(trimSlash),
      web: (env.AJET_WEB_URL ?? [local(ports.web)]).map(trimSlash),
      tui: (env.AJET_TUI_URL ?? [local(ports.tui)]).map(trimSlash),
    },
    publicUrl: trimSlash(env.AJET_PUBLIC_URL ?? local(gatewayPort)),
    // Unset AJET_PUBLIC_URL: the URL is the gateway's own, known for sure only once it listens
    // (AJET_PORT=0 picks the port then).
    publicUrlFromListener: env.AJET_PUBLIC_URL === undefined,
    dataDir,
    logLevel: env.AJET_LOG_LEVEL,
    logFormat: env.AJET_LOG_FORMAT,
    // Prometheus text on its own listener, never on the public door. The default port follows the
    // gateway's rule: a service run alone takes its offset from it (lib/metrics/listener.ts).
    metrics:
      env.AJET_METRICS_PORT === "off"
        ? null
        : {
            host: env.AJET_METRICS_HOST,
            port: env.AJET_METRICS_PORT ?? (gatewayPort === 0 ? 0 : DEFAULT_METRICS_PORT),
            explicit: env.AJET_METRICS_PORT !== undefined,
          },
    limits: {
      maxBodyBytes: env.AJET_MAX_BODY_BYTES,
      maxUploadBytes: env.AJET_MAX_UPLOAD_BYTES,
    },
    shutdownGraceMs: env.AJET_SHUTDOWN_GRACE_MS,
    // How long the gateway waits for a service behind it to start answering (streamed uploads excepted).
    upstreamTimeoutMs: env.AJET_UPSTREAM_TIMEOUT_MS,
    sessions: {
      idleMs: env.AJET_SESSION_IDLE_DAYS * 86_400_000,
      maxMs: env.AJET_SESSION_MAX_DAYS * 86_400_000,
    },
    // Token buckets at the gateway: `burst` requests at once, refilled at `perSecond`; burst 0 = off.
    rateLimits: {
      general: { burst: env.AJET_RATE_BURST, perSecond: env.AJET_RATE_PER_SECOND },
      auth: { burst: env.AJET_RATE_AUTH_BURST, perSecond: env.AJET_RATE_AUTH_PER_SECOND },
    },
    corsOrigins: env.AJET_CORS_ORIGINS,
    outboundAllow: env.AJET_OUTBOUND_ALLOW,
    trustProxy: env.AJET_TRUST_PROXY,
    outbox: {
      pollMs: env.AJET_OUTBOX_POLL_MS,
      leaseMs: env.AJET_OUTBOX_LEASE_MS,
      backoffMs: env.AJET_OUTBOX_BACKOFF_MS,
      maxAttempts: env.AJET_OUTBOX_MAX_ATTEMPTS,
    },
    streamRecheckMs: env.AJET_STREAM_RECHECK_SECONDS * 1000,
    credentialCacheMs: env.AJET_CREDENTIAL_CACHE_SECONDS * 1000,
    // The process's own zone (TZ, else UTC) unless one is set.
    timeZone: env.AJET_TIME_ZONE ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    schedulerPollMs: env.AJET_SCHEDULER_POLL_MS,
    // Live streams a session manager process holds: per person, and in all.
    streamLimits: { perUser: env.AJET_MAX_STREAMS_PER_USER, total: env.AJET_MAX_STREAMS },
    // What the gateway and the services behind it prove themselves to each other with. Unset in the
    // embedded mode, where lib/internal-secret.ts keeps one in the data dir; services on other
    // machines cannot share that, so the real servers' mode must be given one.
    internalSecret:
      env.DATABASE_URL || env.NATS_URL
        ? required(
            env.AJET_INTERNAL_SECRET,
            "AJET_INTERNAL_SECRET",
            env.DATABASE_URL ? "DATABASE_URL" : "NATS_URL",
          )
        : env.AJET_INTERNAL_SECRET,
    maxConcurrentFetches: env.BUN_CONFIG_MAX_HTTP_REQUESTS,
    database: env.DATABASE_URL
      ? ({ kind: "postgres", url: withPassword(env.DATABASE_URL, env.DATABASE_PASSWORD) } as const)
      : ({
          kind: "pglite",
          dir: resolve(dataDir, "pg"),
          sharedBuffers: env.AJET_DB_SHARED_BUFFERS,
          ...(env.AJET_DB_STATEMENT_LOG ? { statementLog: resolve(env.AJET_DB_STATEMENT_LOG) } : {}),
        } as { kind: "pglite"; dir: string; sharedBuffers?: string; statementLog?: string }),
    bus: env.NATS_URL
      ? ({
          kind: "nats",
          servers: env.NATS_URL,
          stream: env.NATS_STREAM,
          subjectPrefix: env.NATS_SUBJECT_PREFIX,
          replicas: env.NATS_REPLICAS,
        } as const)
      : ({ kind: "memory", replayBuffer: env.AJET_REPLAY_BUFFER } as const),
    storage: s3
      ? ({ kind: "s3", ...s3 } as const)
      : ({ kind: "disk", dir: resolve(dataDir, "files") } as const),
    oauth: {
      github: withBase(
        env.GITHUB_URL ?? "https://github.com",
        pair(env.GITHUB_CLIENT_ID, env.GITHUB_CLIENT_SECRET, "GITHUB"),
        "GITHUB",
      ),
      gitea: withBase(env.GITEA_URL, pair(env.GITEA_CLIENT_ID, env.GITEA_CLIENT_SECRET, "GITEA"), "GITEA"),
      oidc: withBase(env.OIDC_ISSUER, pair(env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET, "OIDC"), "OIDC"),
    },
    client: buildClientConfig(env),
  };
}

function buildClientConfig(env: z.output<typeof clientEnvSchema>) {
  // The XDG base-directory rule: $XDG_CONFIG_HOME, else ~/.config.
  const configHome = env.XDG_CONFIG_HOME ?? resolve(env.HOME ?? ".", ".config");
  return {
    server: env.AJET_SERVER,
    token: env.AJET_TOKEN,
    /** Where `ajet-chat login` keeps its profiles (a 0600 file). */
    configDir: resolve(configHome, "ajet-chat"),
    noColor: env.NO_COLOR !== undefined,
    /** `:shortcode:` shown as the emoji (else kept as typed). */
    emoji: terminalShowsEmoji(env),
  };
}

export type ClientConfig = ReturnType<typeof buildClientConfig>;

// The locale that decides the character set is the first of these that is set, as in POSIX.
function terminalShowsEmoji(env: z.output<typeof clientEnvSchema>) {
  const locale = env.LC_ALL ?? env.LC_CTYPE ?? env.LANG ?? "";
  return /utf-?8/i.test(locale) && env.TERM !== "linux" && env.TERM !== "dumb";
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

function withPassword(url: string, password: string | undefined) {
  if (password === undefined) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

function urlHost(host: string) {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

function required(value: string | undefined, name: string, because: string): string {
  if (value === undefined) throw new StartupError(`${name} is required when ${because} is set`);
  return value;
}

function pair(id: string | undefined, secret: string | undefined, prefix: string) {
  if (id === undefined && secret === undefined) return undefined;
  return {
    clientId: required(id, `${prefix}_CLIENT_ID`, `${prefix}_CLIENT_SECRET`),
    clientSecret: required(secret, `${prefix}_CLIENT_SECRET`, `${prefix}_CLIENT_ID`),
  };
}

function withBase(
  base: string | undefined,
  creds: ReturnType<typeof pair>,
  prefix: string,
): (NonNullable<ReturnType<typeof pair>> & { baseUrl: string }) | undefined {
  if (creds === undefined) return undefined;
  const name = prefix === "OIDC" ? "OIDC_ISSUER" : `${prefix}_URL`;
  return { ...creds, baseUrl: trimSlash(required(base, name, `${prefix}_CLIENT_ID`)) };
}

/**
 * Parses the environment once. Throws StartupError whose message names the first bad variable
 * and says what it must be, so `serve` can print it as one line.
 */
export function loadConfig(env: Record<string, string | undefined> = Bun.env): Config {
  return buildConfig(parseEnv(envSchema, env));
}

/** The terminal client's settings only; throws StartupError naming a bad variable, like `loadConfig`. */
export function loadClientConfig(env: Record<string, string | undefined> = Bun.env): ClientConfig {
  return buildClientConfig(parseEnv(clientEnvSchema, env));
}

function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = String(issue?.path[0] ?? "environment");
  const value = env[name];
  const shown = value === undefined ? "" : ` (got ${JSON.stringify(redact(name, value))})`;
  throw new StartupError(`${name} is invalid: ${issue?.message ?? "bad value"}${shown}`);
}

function redact(name: string, value: string) {
  if (/SECRET|TOKEN|PASSWORD/.test(name)) return "***";
  // A database URL may carry a password.
  return value.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}
