export const $ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document) =>
  root.querySelector<T>(sel);
export const $$ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document) => [
  ...root.querySelectorAll<T>(sel),
];

/** A signal to the server (typing, read position); one lost is made good by the next, so none is awaited. */
export function post(url: string, data: object) {
  const headers = { "content-type": "application/json" };
  fetch(url, { method: "POST", headers, body: JSON.stringify(data) }).catch(() => {});
}
