/** Every scope a token may carry; each API route declares the one it needs. */
export const SCOPES = [
  "messages:read",
  "messages:write",
  "channels:read",
  "channels:write",
  "reactions:write",
  "files:write",
  "admin",
] as const;
export type Scope = (typeof SCOPES)[number];
