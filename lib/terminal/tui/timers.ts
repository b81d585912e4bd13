import type { TuiState } from "./state.ts";

const HEARTBEAT_MS = 60_000;
const FLASH_MS = 8000;

/**
 * The TUI's clocks while live: a presence heartbeat now and every minute, and a redraw each second
 * while someone is typing (their indicator expires on its own). Returns what stops them.
 */
export function startClocks(heartbeat: () => Promise<unknown>, whileTyping: () => void) {
  const beat = () => void heartbeat().catch(() => {});
  beat();
  const timers = [setInterval(beat, HEARTBEAT_MS), setInterval(whileTyping, 1000)];
  return () => {
    for (const t of timers) clearInterval(t);
  };
}

/** A one-line message in the status bar (an error in red) that goes away after 8 s. */
export function flashLine(s: () => TuiState, draw: () => void) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    show(text: string, error = false) {
      s().flash = { text: text.split("\n")[0] ?? "", error };
      clearTimeout(timer);
      timer = setTimeout(() => {
        s().flash = null;
        draw();
      }, FLASH_MS);
      draw();
    },
    stop: () => clearTimeout(timer),
  };
}
