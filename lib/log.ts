import { AsyncLocalStorage } from "node:async_hooks";
import { redactSecrets, redactText } from "./redact.ts";

type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Per-request context, so every log line written while serving a request carries its trace id. */
export const requestContext = new AsyncLocalStorage<{ traceId: string; service: string }>();

let threshold = order.info;
let defaultService = "ajet-chat";

/** Set once at boot from config. */
export function configureLog(options: { level: Level | "silent"; service?: string }) {
  threshold = order[options.level];
  if (options.service) defaultService = options.service;
}

function write(level: Level, msg: string, fields?: Record<string, unknown>) {
  if (order[level] < threshold) return;
  const ctx = requestContext.getStore();
  const line = JSON.stringify({
    time: new Date().toISOString(),
    level,
    service: ctx?.service ?? defaultService,
    ...(ctx ? { trace_id: ctx.traceId } : {}),
    msg: redactText(msg),
    ...(fields && (redactSecrets(fields) as Record<string, unknown>)),
  });
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
