export const $ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document) =>
  root.querySelector<T>(sel);
export const $$ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document) => [
  ...root.querySelectorAll<T>(sel),
];

/** A same-origin POST of a form or of JSON. */
export function post(url: string, data: FormData | object) {
  const form = data instanceof FormData;
  const headers: Record<string, string> = form ? {} : { "content-type": "application/json" };
  return fetch(url, { method: "POST", headers, body: form ? data : JSON.stringify(data) });
}
