import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { AttachmentJson, MessageJson } from "../../../client/views.ts";
import { dropControls } from "../../../control-chars.ts";
import type { Command } from "../command.ts";
import { isId, required } from "../context.ts";
import { CliError, EXIT } from "../errors.ts";
import { formatBytes } from "../format.ts";

/** `upload <#channel|@user> <file>`: posts a message carrying the file. */
export const upload: Command = {
  usage: "upload <#channel|@user> <file> [--message text] [-q] [--idempotency-key K]",
  flags: {
    message: { type: "string", short: "m" },
    quiet: { type: "boolean", short: "q" },
    "idempotency-key": { type: "string" },
  },
  async run(ctx) {
    const target = await ctx.target(required(ctx.args, 0, "#channel or @user"));
    const path = required(ctx.args, 1, "file");
    const file = Bun.file(path);
    if (!(await file.exists())) throw new CliError(EXIT.usage, `no file ${path}`);
    const form = new FormData();
    const name = basename(path);
    form.append("body_md", ctx.flag("message") ?? name);
    form.append("client_msg_id", ctx.flag("idempotency-key") ?? `cli-${Bun.randomUUIDv7()}`);
    form.append("file", file, name);
    const answer = await ctx.client.upload(target.id, form, true);
    const m = answer.message as MessageJson;
    const attachment = m.attachments[0] as AttachmentJson;
    if (ctx.has("quiet") && ctx.out.mode !== "json") return ctx.out.line(m.id);
    const s = ctx.out.style;
    ctx.out.record(
      answer,
      [m.id, attachment.id],
      () =>
        `${s.green("✓")} uploaded ${attachment.filename} (${formatBytes(attachment.size_bytes)}) to ${target.label}  ${s.gray(`message ${m.id}, file ${attachment.id}`)}`,
    );
  },
};

/** The file name a download is saved under: the server's, without any directory part. */
export function filenameOf(disposition: string | null, fallback: string): string {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? "");
  const plain = /filename="((?:[^"\\]|\\.)*)"/i.exec(disposition ?? "");
  let name = fallback;
  try {
    if (star?.[1]) name = decodeURIComponent(star[1]);
    else if (plain?.[1]) name = plain[1].replace(/\\(.)/g, "$1");
  } catch {
    // A malformed name: keep the fallback.
  }
  const safe = basename(dropControls(name, true).replaceAll("\\", "/")).replace(/^\.+/, "");
  return safe || fallback;
}

/** The attachment named by the first argument, fetched: its id and the download's response. */
async function fetchAttachment(ctx: Parameters<Command["run"]>[0]) {
  const id = required(ctx.args, 0, "attachment id");
  if (!isId(id)) throw new CliError(EXIT.usage, `"${id}" is not an attachment id`);
  return { id, res: await ctx.client.download(id) };
}

/** `download <attachment-id>`: saves a file (`-o -` writes it to stdout). */
export const download: Command = {
  usage: "download <attachment-id> [-o path]",
  flags: { output: { type: "string", short: "o" } },
  async run(ctx) {
    const { id, res } = await fetchAttachment(ctx);
    const to = ctx.flag("output");
    if (to === "-") {
      const bytes = new Uint8Array(await res.arrayBuffer());
      await Bun.write(Bun.stdout, bytes);
      return;
    }
    const name = filenameOf(res.headers.get("content-disposition"), id);
    const path = resolve(to ?? name);
    const bytes = await Bun.write(path, res);
    const s = ctx.out.style;
    ctx.out.record(
      { id, path, bytes, content_type: res.headers.get("content-type") },
      [path, bytes],
      () => `${s.green("✓")} saved ${name} (${formatBytes(bytes)}) to ${path}`,
    );
  },
};

/**
 * `open <attachment-id>`: saves the file under the system's temp folder and hands it to the system
 * opener (`xdg-open`, or `open` on macOS); with `-o path` it is only saved there. Prints the path.
 */
export const open: Command = {
  usage: "open <attachment-id> [-o path]",
  flags: { output: { type: "string", short: "o" } },
  async run(ctx) {
    const { id, res } = await fetchAttachment(ctx);
    const name = filenameOf(res.headers.get("content-disposition"), id);
    const to = ctx.flag("output");
    const path = to ? resolve(to) : join(mkdtempSync(join(tmpdir(), "ajet-chat-")), name);
    const bytes = await Bun.write(path, res);
    const opener = to ? null : Bun.which(process.platform === "darwin" ? "open" : "xdg-open");
    if (opener) Bun.spawn([opener, path], { stdio: ["ignore", "ignore", "ignore"] }).unref();
    const s = ctx.out.style;
    ctx.out.record({ id, path, bytes, opened: opener !== null }, [path], () =>
      opener ? `${s.green("✓")} opened ${name} ${s.dim(path)}` : `${s.green("✓")} saved ${name} to ${path}`,
    );
  },
};
