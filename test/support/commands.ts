import type { Person, TestApi } from "./api.ts";

export interface CommandReply {
  ok: boolean;
  reply_md: string;
  effects: ({ type: string } & Record<string, unknown>)[];
}

/** What POST /api/commands answered: the status, and the reply or the error. */
export interface CommandAnswer {
  status: number;
  reply?: CommandReply;
  error?: { code: string; message: string };
}

/** Runs a slash command as `who` in a channel; never throws on an error answer. */
export async function command(
  t: TestApi,
  who: Person | string,
  channelId: string,
  text: string,
): Promise<CommandAnswer> {
  const res = await t.call(who, "POST", "/api/commands", { channel_id: channelId, text });
  const body = (await res.json()) as CommandReply & { error?: CommandAnswer["error"] };
  return res.status === 200 ? { status: 200, reply: body } : { status: res.status, error: body.error };
}

/** Runs a command that must succeed, and returns its reply. */
export async function commandOk(t: TestApi, who: Person | string, channelId: string, text: string) {
  const answer = await command(t, who, channelId, text);
  if (!answer.reply) throw new Error(`${text} → ${answer.status} ${JSON.stringify(answer.error)}`);
  return answer.reply;
}
