import { join } from "node:path";
import type { ChatServer } from "./chat-server.ts";
import { type CliResult, runCli } from "./terminal.ts";

/** `ajet-chat admin …` (or backup/restore) from a shell on the box, with the server's configuration. */
export function runAdmin(env: Record<string, string>, args: string[]): Promise<CliResult> {
  return runCli(args, { env: { AJET_LOG_LEVEL: "warn", ...env } });
}

/** The configuration a chat server was started with, as the admin CLI on its box would have it. */
export const boxEnv = (chat: Pick<ChatServer, "dataDir">, extra: Record<string, string> = {}) => ({
  AJET_DATA_DIR: chat.dataDir,
  ...extra,
});

export const adminSocket = (dataDir: string) => join(dataDir, "run", "admin.sock");

/** Uploads a file into a channel as a message; returns the message's attachment ids. */
export async function uploadFile(
  base: string,
  token: string,
  channelId: string,
  name: string,
  body: Uint8Array | string,
  text = "a file",
) {
  const form = new FormData();
  form.set("body_md", text);
  form.set("file", new File([body], name, { type: "application/octet-stream" }));
  const res = await fetch(`${base}/api/channels/${channelId}/attachments`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (res.status >= 400) throw new Error(`upload → ${res.status} ${await res.text()}`);
  return (await res.json()) as { message: { id: string; attachments: { id: string }[] } };
}
