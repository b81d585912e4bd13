/** `ajet-chat tui` (or no command on a terminal): the full-screen chat. */
export async function runTui(args: string[]) {
  const { startTui } = await import("../../lib/terminal/tui/main.ts");
  await startTui(args);
}
