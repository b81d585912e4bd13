/**
 * A condition that stops start-up (bad config, database unreachable, data dir in use). Its message
 * is one line for the operator; `serve` prints it without a stack trace and exits 1.
 */
export class StartupError extends Error {
  override name = "StartupError";
}
