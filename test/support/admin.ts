import { join } from "node:path";
import type { ChatPerson, ChatServer } from "./chat-server.ts";
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

/**
 * A chat with some of everything a backup must bring back: people and their sessions, messages, a
 * thread, reactions, a DM, read positions, and files (one binary, one with a non-ASCII name).
 */
export async function populateChat(chat: ChatServer) {
  const alice = chat.owner;
  const bob = await chat.invite("bob");
  const channels = await chat.api<{ items: { id: string }[] }>(
    alice,
    "GET",
    "/api/communities/acme/channels",
  );
  const general = channels.items[0]?.id ?? "";
  const say = (who: ChatPerson, body_md: string, extra: Record<string, unknown> = {}) =>
    chat.api<{ id: string }>(who, "POST", `/api/channels/${general}/messages`, { body_md, ...extra });
  const first = await say(alice, "hello **team**");
  await say(bob, "a reply in the thread", { parent_id: first.id });
  await chat.api(bob, "PUT", `/api/messages/${first.id}/reactions/${encodeURIComponent("👍")}`);
  const binary = crypto.getRandomValues(new Uint8Array(200_000));
  await uploadFile(chat.base, alice.token, general, "noise.bin", binary, "random bytes");
  const last = await uploadFile(chat.base, bob.token, general, "Grüße – plan.txt", "the plan\n", "our plan");
  await chat.api(bob, "POST", `/api/channels/${general}/read`, { message_id: last.message.id });
  const dm = await chat.api<{ id?: string; channel?: { id: string } }>(alice, "POST", "/api/dm", {
    user_ids: [bob.id],
  });
  const dmId = dm.channel?.id ?? dm.id ?? "";
  await chat.api(alice, "POST", `/api/channels/${dmId}/messages`, { body_md: "just between us" });
  return { alice, bob, general };
}

/** Runs `act` while `who` keeps posting files into the channel; resolves with its result and the count posted. */
export async function whilePostingFiles<T>(
  base: string,
  who: ChatPerson,
  channelId: string,
  act: () => Promise<T>,
) {
  let posting = true;
  let posted = 0;
  const poster = (async () => {
    while (posting) {
      await uploadFile(base, who.token, channelId, `busy-${posted}.txt`, `file number ${posted}\n`);
      posted++;
    }
  })();
  try {
    return { result: await act(), posted };
  } finally {
    posting = false;
    await poster;
  }
}
