// The open-redirect corpus: return addresses (`next`) as an attacker would spell them. A browser
// resolves what we send against our page's URL, so what counts is the origin of the URL it resolves
// to, not how the string starts.

/** Addresses that resolve, in a browser on our page, to another site (or to no site at all). */
export const offsite = [
  "//evil.example",
  "//evil.example/path",
  "///evil.example",
  "/.//evil.example",
  "/./\\evil.example",
  "/%2e//evil.example",
  "/%2E//evil.example",
  "/..//evil.example",
  "/x/..//evil.example",
  "/.%2e//evil.example",
  "/\\evil.example",
  "/\\/evil.example",
  "\\\\evil.example",
  "\\/evil.example",
  "/\t/evil.example",
  " //evil.example",
  "https://evil.example/",
  "http://evil.example",
  "https:evil.example",
  "HTTPS://evil.example",
  "//evil.example@127.0.0.1",
  "javascript:alert(document.domain)",
  "data:text/html,<script>alert(1)</script>",
];

/** Addresses on this server: kept as the path (with query and fragment) the browser would land on. */
export const local: [string, string][] = [
  ["/device?code=WDJB-MJHT", "/device?code=WDJB-MJHT"],
  ["/c/acme/channels/general#latest", "/c/acme/channels/general#latest"],
  ["/%2f%2fevil.example", "/%2f%2fevil.example"],
  ["/search?q=%2F%2Fevil", "/search?q=%2F%2Fevil"],
  ["/a/../c/acme", "/c/acme"],
];

export const landsOffsite = (target: string, page = "http://127.0.0.1:3000/auth/github/callback") =>
  new URL(target, page).origin !== new URL(page).origin;
