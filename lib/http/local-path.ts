// Stands for this server while resolving: any other origin is off it.
const HERE = "http://here.invalid";

/**
 * `next` if a browser on one of our pages, sent there, stays on this server — as the path, query
 * and fragment it would land on — else "/": an open redirect through the sign-in would let a
 * phishing link borrow our name. Decided on the origin of the resolved URL, never on how the string
 * starts, and twice, because the browser resolves what we send once more: `/.//evil.example`
 * resolves to the path `//evil.example`, which is another host.
 */
export function localPath(next: string | null | undefined): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (!next || /[\u0000-\u001f\u007f]/.test(next) || !URL.canParse(next, HERE)) return "/";
  const url = new URL(next, HERE);
  if (url.origin !== HERE) return "/";
  const path = url.pathname + url.search + url.hash;
  return new URL(path, HERE).origin === HERE ? path : "/";
}
