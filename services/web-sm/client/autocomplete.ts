import { $, $$ } from "./dom.ts";

type Option = { value: string; label: string };
type Member = { user: { username: string; display_name: string } };

let people: Promise<Option[]> | undefined;
const loadPeople = () =>
  (people ??= fetch(`/api/communities/${encodeURIComponent(document.body.dataset.community ?? "")}/members`)
    .then((res) => (res.ok ? (res.json() as Promise<{ items: Member[] }>) : { items: [] }))
    .then(({ items }) =>
      items.map(({ user: u }) => ({ value: `@${u.username} `, label: `@${u.username} — ${u.display_name}` })),
    ));

/** The word being typed when it asks for completion: "/" a command at the start, "@" a person anywhere. */
function currentWord(input: HTMLTextAreaElement) {
  const upto = input.value.slice(0, input.selectionStart);
  const word = /(^|\s)([@/][\w.-]*)$/.exec(upto)?.[2];
  if (!word || (word[0] === "/" && upto.trim() !== word)) return null;
  return { word, start: upto.length - word.length };
}

const listOf = (input: HTMLTextAreaElement) => $(".autocomplete", input.form ?? document);
export function closeAutocomplete(input: HTMLTextAreaElement) {
  const list = listOf(input);
  if (list) list.hidden = true;
}

function accept(input: HTMLTextAreaElement, value: string) {
  const w = currentWord(input);
  if (w) {
    input.value = input.value.slice(0, w.start) + value + input.value.slice(input.selectionStart);
    input.setSelectionRange(w.start + value.length, w.start + value.length);
  }
  closeAutocomplete(input);
}

/** Offers the commands (those the page lists for your role) or the people that start with the word typed. */
export async function autocomplete(input: HTMLTextAreaElement) {
  const w = currentWord(input);
  const all = !w
    ? []
    : w.word[0] === "/"
      ? $$<HTMLOptionElement>("#commands option").map((o) => ({ value: o.value, label: o.text }))
      : await loadPeople();
  const matching = all.filter((o) => o.value.toLowerCase().startsWith(w?.word.toLowerCase() ?? ""));
  const options = [...new Map(matching.map((o) => [o.label, o])).values()].slice(0, 8);
  const list = listOf(input);
  if (!list || !options.length) return closeAutocomplete(input);
  list.replaceChildren(
    ...options.map((o, i) => {
      const li = Object.assign(document.createElement("li"), { textContent: o.label });
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", String(i === 0));
      li.dataset.value = o.value;
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        accept(input, o.value);
      });
      return li;
    }),
  );
  list.hidden = false;
}

/** Arrows, Enter or Tab, and Esc while the list is open; true when the key was the list's. */
export function autocompleteKeys(input: HTMLTextAreaElement, e: KeyboardEvent) {
  const list = listOf(input);
  if (!list || list.hidden) return false;
  const items = $$("li", list);
  const i = items.findIndex((li) => li.getAttribute("aria-selected") === "true");
  const select = (j: number) => {
    for (const [k, li] of items.entries()) li.setAttribute("aria-selected", String(k === j));
  };
  if (e.key === "ArrowDown") select((i + 1) % items.length);
  else if (e.key === "ArrowUp") select((i - 1 + items.length) % items.length);
  else if (e.key === "Enter" || e.key === "Tab") accept(input, items[Math.max(0, i)]?.dataset.value ?? "");
  else if (e.key === "Escape") closeAutocomplete(input);
  else return false;
  e.preventDefault();
  return true;
}
