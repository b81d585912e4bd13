import { basename } from "node:path";
import type { MeJson } from "../../../client/views.ts";
import type { Command } from "../command.ts";
import { CliError, EXIT } from "../errors.ts";

/** `profile`: shows your profile, or changes your display name and avatar. */
export const profile: Command = {
  usage: 'profile [--name "Display Name"] [--avatar picture.png | --remove-avatar]',
  flags: {
    name: { type: "string" },
    avatar: { type: "string" },
    "remove-avatar": { type: "boolean" },
  },
  async run(ctx) {
    const name = ctx.flag("name");
    const picture = ctx.flag("avatar");
    if (picture !== undefined && ctx.has("remove-avatar")) {
      throw new CliError(EXIT.usage, "give --avatar or --remove-avatar, not both");
    }
    let me =
      name === undefined
        ? await ctx.client.me()
        : await ctx.client.request<MeJson>("PATCH", "/api/me", { display_name: name });
    if (picture !== undefined) {
      const file = Bun.file(picture);
      if (!(await file.exists())) throw new CliError(EXIT.usage, `no file ${picture}`);
      const form = new FormData();
      form.append("file", file, basename(picture));
      me = await ctx.client.request<MeJson>("PUT", "/api/me/avatar", form, { idempotent: true });
    }
    if (ctx.has("remove-avatar")) me = await ctx.client.request<MeJson>("DELETE", "/api/me/avatar");
    const s = ctx.out.style;
    ctx.out.record(
      me,
      [me.username, me.display_name, me.avatar_url ?? ""],
      () =>
        `${s.bold(`@${me.username}`)} (${me.display_name}) ${s.dim(me.avatar_url ? `avatar ${me.avatar_url}` : "no avatar")}`,
    );
  },
};
