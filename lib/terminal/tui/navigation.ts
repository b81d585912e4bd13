import type { MessageJson } from "../../client/views.ts";
import { emptyInput } from "./editor.ts";
import { sidebarItems, type TuiState } from "./state.ts";

// Where the keys that move around go: pure changes of the state, drawn and loaded by the app.

const shownMessages = (s: TuiState) => (s.currentId ? (s.messages.get(s.currentId) ?? []) : []);

/** What a reaction or Ctrl-T acts on: the picked message, else the newest in the shown channel. */
export function targetMessage(s: TuiState): MessageJson | undefined {
  const list = shownMessages(s);
  return list.find((m) => m.id === s.selected) ?? list.at(-1);
}

/** Alt-↑/↓: picks the message `by` places older (−) or newer (+); past the newest, none is picked. */
export function pickMessage(s: TuiState, by: number) {
  const list = shownMessages(s).filter((m) => !m.deleted);
  if (list.length === 0) return;
  const at = s.selected ? list.findIndex((m) => m.id === s.selected) : list.length;
  const next = at + by;
  s.selected = next >= list.length ? null : (list[Math.max(0, next)]?.id ?? null);
}

/** Esc: leaves the innermost of an edit, the notifications, a thread, a picked message, a passing line. */
export function closeInnermost(s: TuiState) {
  if (s.input.editing) s.input = emptyInput();
  else if (s.mode === "notifications" || s.mode === "list") s.mode = "chat";
  else if (s.thread) s.thread = null;
  else if (s.selected) s.selected = null;
  else s.flash = null;
}

/** Ctrl-N/P: the sidebar row `by` rows down (+) or up (−) from the shown one, wrapping around. */
export function sidebarStep(s: TuiState, by: number) {
  const items = sidebarItems(s);
  if (items.length === 0) return undefined;
  const at = items.findIndex((i) => i.id === s.currentId);
  return items[(at + by + items.length) % items.length];
}

/** Ctrl-O: the community after the shown one, wrapping around; undefined with fewer than two. */
export function nextCommunity(s: TuiState) {
  if (s.communities.length < 2) return undefined;
  const at = s.communities.findIndex((c) => c.slug === s.community);
  return s.communities[(at + 1) % s.communities.length];
}
