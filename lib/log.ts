import { AsyncLocalStorage } from "node:async_hooks";
import { redactSecrets, redactText } from "./redact.ts";

type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/**
 * Per-request context, so every log line written while serving a request carries its trace id.
 * `background` marks work no request waits for (pollers, queues reacting to events).
 */
export const requestContext = new AsyncLocalStorage<{
  traceId: string;
  service: string;
  background?: boolean;
}>();

/** Runs `work` as background work of `service`, with a trace id of its own. */
export const inBackground = <T>(service: string, work: () => T): T =>
  requestContext.run({ traceId: Bun.randomUUIDv7("base64url"), service, background: true }, work);

/** True while running background work (a poller, a queue): not part of any request. */
export const isBackground = () => requestContext.getStore()?.background === true;

/** The trace id of the request being served, if any: events published while serving it carry it. */
export const currentTraceId = () => requestContext.getStore()?.traceId;

let threshold = order.info;
let defaultService = "ajet-chat";
let pretty = false;

/** Whether lines at `level` are written: a hot path builds its fields only when they will be. */
export const logsAt = (level: Level) => order[level] >= threshold;

/** Set once at boot from config. */
export function configureLog(options: {
  level: Level | "silent";
  service?: string;
  format?: "json" | "pretty";
}) {
  threshold = order[options.level];
  if (options.service) defaultService = options.service;
  if (options.format) pretty = options.format === "pretty";
}

const shade: Record<Level, string> = {
  debug: "\x1b[2m",
  info: "\x1b[36m",
  warn: "\x1b[33m",
  error: "\x1b[31m",
};

/**
 * One line for people at a terminal: time, level, service, message, then the fields as key=value
 * (the stack, when there is one, on the lines after). Colour only when stderr is a terminal.
 */
function prettyLine(record: Record<string, unknown>) {
  const { time, level, service, msg, stack, ...fields } = record as Record<string, unknown> & {
    level: Level;
  };
  const colour = process.stderr.isTTY ? shade[level] : "";
  const reset = colour ? "\x1b[0m" : "";
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" && !/[\s"=]/.test(v) ? v : JSON.stringify(v)}`);
  const head = `${String(time).slice(11, 23)} ${colour}${level.toUpperCase().padEnd(5)}${reset} ${service} ${msg}`;
  return [head, ...pairs].join(" ") + (typeof stack === "string" ? `\n${stack}` : "");
}

function write(level: Level, msg: string, fields?: Record<string, unknown>) {
  if (order[level] < threshold) return;
  const ctx = requestContext.getStore();
  const record = {
    time: new Date().toISOString(),
    level,
    service: ctx?.service ?? defaultService,
    ...(ctx ? { trace_id: ctx.traceId } : {}),
    msg: redactText(msg),
    ...(fields && (redactSecrets(fields) as Record<string, unknown>)),
  };
  const line = pretty ? prettyLine(record) : JSON.stringify(record);
  // JSON lines on stderr keep stdout free for what people read (the setup link, the URL).
  process.stderr.write(`${line}\n`);
}

/** JSON-lines logger. Every line is redacted (`redactSecrets`): no token, secret or credential is ever written. */
export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};
