/** Usernames: 1–32 of a-z, 0-9, `.`, `_`, `-`, starting with a letter or digit. */
export const USERNAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** The rule in words, for error messages. */
export const USERNAME_RULE =
  "1–32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";
