import { TOKEN_PREFIX } from "./auth/tokens.ts";

const REDACTED = "[redacted]";

/** A character as written, or percent-encoded (`%61` for `a`): a path may spell a token either way. */
const spelled = (c: string) => `(?:${c}|%${c.charCodeAt(0).toString(16)})`;
// Every token the product issues (session, bot, webhook, invite, setup, device code) starts with
// one of these prefixes; whatever follows it is the secret.
const TOKEN_SHAPE = new RegExp(
  `(?:${Object.values(TOKEN_PREFIX)
    .map((prefix) => [...prefix].map(spelled).join(""))
    .join("|")})(?:[\\w.~-]|%[0-9a-f]{2})*`,
  "gi",
);
// Query parameters that carry a secret without a prefix: OAuth's code and state, the device flow's
// user code (`/device?code=…`), and anything named like a token or a password.
const SECRET_PARAM =
  /([?&;]|^)((?:code|state|device_code|user_code|token|access_token|refresh_token|id_token|client_secret|password)=)[^&#\s"']*/gim;
const CREDENTIAL = /\b(Bearer|Basic)\s+[^\s"',;]+/gi;
// Fields whose whole value is secret wherever they appear: headers, forms, settings.
const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|(^|[_-])(token|secret|password)s?$/i;

/** Which kind of token it was stays readable: `aji_[redacted]`, however the prefix was spelled. */
const kindOf = (token: string) =>
  token
    .replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .slice(0, 4)
    .toLowerCase();

/** The text with every token, secret query parameter and credential replaced by `[redacted]`. */
export function redactText(text: string): string {
  return text
    .replace(TOKEN_SHAPE, (token) => `${kindOf(token)}${REDACTED}`)
    .replace(SECRET_PARAM, `$1$2${REDACTED}`)
    .replace(CREDENTIAL, `$1 ${REDACTED}`);
}

/**
 * A value as it may be written down (a log line, an audit row): strings redacted (`redactText`),
 * fields named like secrets (`authorization`, `cookie`, `*_token`, `*_secret`, `password`) blanked,
 * errors reduced to their redacted message. The logger and the audit log apply it to everything
 * they write, so no caller has to remember to leave a secret out.
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === "string") return redactText(value);
  if (value instanceof Error) return redactText(value.message);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, SECRET_KEY.test(key) ? REDACTED : redactSecrets(v)]),
  );
}
