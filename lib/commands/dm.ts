import { USERNAME } from "../users/username.ts";
import { clip, invalidArgs, type UserRef } from "./args.ts";
import { defineCommand, outcome } from "./command.ts";

const MAX_OTHERS = 8;

/** The leading `@name`s of the text, then whatever follows them (the first message, maybe empty). */
function peopleThenText(text: string): { people: UserRef[]; text: string } {
  const words = text.trimStart().split(/(\s+)/);
  const people: UserRef[] = [];
  let i = 0;
  for (; i < words.length; i += 2) {
    const word = words[i] ?? "";
    if (!word.startsWith("@")) break;
    const username = word.slice(1).replace(/,$/, "").toLowerCase();
    if (!USERNAME.test(username)) throw invalidArgs(`"${clip(word)}" is not a username`);
    if (!people.some((p) => p.username === username)) people.push({ username });
  }
  return { people, text: words.slice(i).join("").trim() };
}

export const dm = defineCommand({
  name: "dm",
  usage: ["/dm @user [@user…] [text]"],
  summary: "Start a DM or group DM, and say something in it",
  details: `Finds (or starts) the conversation whose members are exactly you and the people named (at most ${MAX_OTHERS} others), opens it, and posts the text there if there is any.`,
  admin: false,
  scope: "messages:write",
  peopleOnly: true,
  parse(a) {
    const parsed = peopleThenText(a.rest("@user", true));
    if (parsed.people.length === 0) throw invalidArgs("name at least one @user");
    if (parsed.people.length > MAX_OTHERS)
      throw invalidArgs(`a group DM has at most ${MAX_OTHERS + 1} people`);
    return parsed;
  },
  async run(ctx, { people, text }) {
    const { accessChannel, checkCanPost } = await import("../channels/access.ts");
    const { doOpenDm } = await import("../dm/dm.ts");
    const { doPostMessage } = await import("../messages/post.ts");
    const { resolveKnown, resolveMember } = await import("./resolve.ts");
    const { db } = ctx;
    const me = ctx.principal.user;
    const communityId = ctx.access.channel.communityId;
    const users = [];
    for (const ref of people) {
      users.push(
        communityId ? (await resolveMember(db, communityId, ref)).user : await resolveKnown(db, me.id, ref),
      );
    }
    const opened = await doOpenDm(
      db,
      me.id,
      users.map((u) => u.id),
    );
    const names = users.map((u) => `@${u.username}`).join(", ");
    const effects = [{ type: "dm.opened", channel_id: opened.id }];
    if (!text) return outcome(`Opened your conversation with ${names}.`, effects);
    const access = await accessChannel(db, me.id, opened.id);
    await checkCanPost(db, me.id, access);
    const posted = await doPostMessage(db, me.id, access, { bodyMd: text });
    return outcome(
      `Sent to ${names}.`,
      [...effects, { type: "message.posted", channel_id: opened.id, message_id: posted.message.id }],
      posted.events,
    );
  },
});
