// The word being typed is found here, its offers come from the server (`/web/complete` answers into
// the box's `.autocomplete`); here too are the keys through the offers, and putting one in the text.

const listOf = (input: HTMLTextAreaElement) => input.form?.querySelector<HTMLElement>(".autocomplete");
export const closeAutocomplete = (input: HTMLTextAreaElement) => listOf(input)?.replaceChildren();

/** The word at the caret that asks for completion: "/" a command at the start, "@" or ":" anywhere. */
function currentWord(input: HTMLTextAreaElement) {
  const upto = input.value.slice(0, input.selectionStart);
  const word = /(^|\s)([@/:][\w.+-]*)$/.exec(upto)?.[2];
  if (!word || (word[0] === "/" && upto.trim() !== word)) return null;
  return { word, start: upto.length - word.length };
}

/** Asks for the offers of the word being typed; once more with none when it is done (the list empties). */
export function autocomplete(input: HTMLTextAreaElement) {
  const asked = input.form?.elements.namedItem("word") as HTMLInputElement | null;
  const word = currentWord(input)?.word ?? "";
  if (!asked || (!word && !asked.value)) return;
  asked.value = word;
  listOf(input)?.dispatchEvent(new Event("complete"));
}

function accept(input: HTMLTextAreaElement, offer?: HTMLElement | null) {
  const w = currentWord(input);
  if (w) input.setRangeText(offer?.dataset.value ?? "", w.start, input.selectionStart, "end");
  closeAutocomplete(input);
  // Ask once more, for nothing: it replaces a request in flight (hx-sync) whose answer would refill the list.
  autocomplete(input);
}

// An offer clicked is taken on mousedown, so the box keeps its focus.
document.addEventListener("mousedown", (e) => {
  const offer = (e.target as Element).closest<HTMLElement>(".autocomplete li");
  const input = offer?.closest("form")?.elements.namedItem("body");
  if (!(input instanceof HTMLTextAreaElement)) return;
  e.preventDefault();
  accept(input, offer);
});

/** Arrows, Enter or Tab, and Esc while offers are shown; true when the key was theirs. */
export function autocompleteKeys(input: HTMLTextAreaElement, e: KeyboardEvent) {
  const offers = [...(listOf(input)?.querySelectorAll("li") ?? [])];
  const i = offers.findIndex((li) => li.ariaSelected === "true");
  const select = (j: number) => {
    for (const [k, li] of offers.entries()) li.ariaSelected = String(k === j);
  };
  if (!offers.length) return false;
  if (e.key === "ArrowDown") select((i + 1) % offers.length);
  else if (e.key === "ArrowUp") select((i - 1 + offers.length) % offers.length);
  else if (e.key === "Enter" || e.key === "Tab") accept(input, offers[Math.max(0, i)]);
  else if (e.key === "Escape") closeAutocomplete(input);
  else return false;
  e.preventDefault();
  return true;
}
