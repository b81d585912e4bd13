import type { ApiClient } from "../../client/api-client.ts";
import type { TuiState } from "./state.ts";

/** At most one "typing" signal per this many ms while someone keeps typing. */
const RESEND_MS = 3000;

/**
 * The "typing…" others see: announced as a draft is typed (not for commands or reactions), and
 * taken back when the draft is sent or cleared rather than left to expire.
 */
export function typingSignal(client: ApiClient) {
  let lastSent = 0;
  /** Where "typing" was last announced, until the draft is sent or cleared. */
  let channel: string | null = null;
  const send = (channelId: string, state: "start" | "stop") =>
    void client.request("POST", "/tui/typing", { channel_id: channelId, state }).catch(() => {});
  return {
    typed(s: TuiState) {
      if (!s.currentId || s.input.text.startsWith("/") || s.input.text.startsWith("+")) return;
      const now = Date.now();
      if (now - lastSent < RESEND_MS) return;
      lastSent = now;
      channel = s.currentId;
      send(s.currentId, "start");
    },
    stop() {
      if (!channel) return;
      send(channel, "stop");
      channel = null;
      lastSent = 0;
    },
  };
}
