import { $$ } from "./dom.ts";

// Which word is being typed is known here; what it could become, the server says (`/web/complete`
// answers into the box's `.autocomplete`). Here too: the keys that move through the offers, and
// putting the one taken into the text.

const listOf = (input: HTMLTextAreaElement) => input.form?.querySelector<HTMLElement>(".autocomplete");
export const closeAutocomplete = (input: HTMLTextAreaElement) => listOf(input)?.replaceChildren();

/**
 * The word at the caret when it asks for completion: "/" a command at the start, "@" a person or
 * ":" an emoji's shortcode anywhere.
 */
function currentWord(input: HTMLTextAreaElement) {
  const upto = input.value.slice(0, input.selectionStart);
  const word = /(^|\s)([@/:][\w.+-]*)$/.exec(upto)?.[2];
  if (!word || (word[0] === "/" && upto.trim() !== word)) return null;
  return { word, start: upto.length - word.length };
}

/** Asks for the offers of the word being typed; once more with none when it is done (the list empties). */
export function autocomplete(input: HTMLTextAreaElement) {
  const list = listOf(input);
  const word = currentWord(input)?.word ?? "";
  if (!list || (!word && !list.dataset.asked)) return;
  list.dataset.asked = word;
  (input.form?.elements.namedItem("word") as HTMLInputElement).value = word;
  list.dispatchEvent(new Event("complete"));
}

function accept(input: HTMLTextAreaElement, value: string) {
  const w = currentWord(input);
  if (w) {
    input.value = input.value.slice(0, w.start) + value + input.value.slice(input.selectionStart);
    input.setSelectionRange(w.start + value.length, w.start + value.length);
  }
  closeAutocomplete(input);
}

/** Takes an offer clicked (on mousedown, so the box keeps its focus). */
export function acceptClicks(input: HTMLTextAreaElement) {
  listOf(input)?.addEventListener("mousedown", (e) => {
    const offer = (e.target as Element).closest<HTMLElement>("li");
    e.preventDefault();
    if (offer) accept(input, offer.dataset.value ?? "");
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
  else if (e.key === "Enter" || e.key === "Tab") accept(input, offers[Math.max(0, i)]?.dataset.value ?? "");
  else if (e.key === "Escape") closeAutocomplete(input);
  else return false;
  e.preventDefault();
  return true;
}
