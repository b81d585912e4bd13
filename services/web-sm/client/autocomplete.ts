import { $$ } from "./dom.ts";

// The offers themselves come from the server (`/web/complete`, into the box's `.autocomplete`): here
// only when to ask, the keys that move through them, and putting the one taken into the text.

const listOf = (input: HTMLTextAreaElement) => input.form?.querySelector<HTMLElement>(".autocomplete");
export const closeAutocomplete = (input: HTMLTextAreaElement) => listOf(input)?.replaceChildren();

/** Asks again when "@" or "/" is typed, and while offers are shown (they follow the word). */
export function autocomplete(input: HTMLTextAreaElement, typed: string | null) {
  const list = listOf(input);
  (input.form?.elements.namedItem("caret") as HTMLInputElement).value = String(input.selectionStart);
  if (list && (/[@/]/.test(typed ?? "") || list.childElementCount)) list.dispatchEvent(new Event("complete"));
}

function accept(input: HTMLTextAreaElement, offer: HTMLElement) {
  const start = Number(offer.dataset.start);
  const value = offer.dataset.value ?? "";
  input.value = input.value.slice(0, start) + value + input.value.slice(input.selectionStart);
  input.setSelectionRange(start + value.length, start + value.length);
  closeAutocomplete(input);
}

/** Takes an offer clicked (on mousedown, so the box keeps its focus). */
export function acceptClicks(input: HTMLTextAreaElement) {
  listOf(input)?.addEventListener("mousedown", (e) => {
    const offer = (e.target as Element).closest<HTMLElement>("li");
    e.preventDefault();
    if (offer) accept(input, offer);
  });
}

/** Arrows, Enter or Tab, and Esc while offers are shown; true when the key was theirs. */
export function autocompleteKeys(input: HTMLTextAreaElement, e: KeyboardEvent) {
  const offers = $$("li", listOf(input) ?? undefined);
  const i = offers.findIndex((li) => li.getAttribute("aria-selected") === "true");
  const select = (j: number) => {
    for (const [k, li] of offers.entries()) li.setAttribute("aria-selected", String(k === j));
  };
  if (!offers.length) return false;
  if (e.key === "ArrowDown") select((i + 1) % offers.length);
  else if (e.key === "ArrowUp") select((i - 1 + offers.length) % offers.length);
  else if (e.key === "Enter" || e.key === "Tab") accept(input, offers[Math.max(0, i)] as HTMLElement);
  else if (e.key === "Escape") closeAutocomplete(input);
  else return false;
  e.preventDefault();
  return true;
}
