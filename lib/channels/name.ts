/** Channel names: lower-case letters, digits, `-` and `_`, 1–80 characters, like Slack's. */
export const CHANNEL_NAME = /^[a-z0-9][a-z0-9_-]{0,79}$/;
