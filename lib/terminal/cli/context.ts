import type { ApiClient } from "../../client/api-client.ts";
import type { ChannelJson, CommunityJson } from "../../client/views.ts";
import type { ClientConfig } from "../../config.ts";
import { visibleStrings } from "../../control-chars.ts";
import { CLI_RETRY, clientOf, openSession, type Session } from "../session.ts";
import { type ParsedArgs, stringFlag } from "./args.ts";
import { CliError, EXIT } from "./errors.ts";
import { chooseMode, Output } from "./output.ts";

/** A channel a command acts in, with the label it is shown by (`#general`, `@bob`). */
export interface Target {
  id: string;
  label: string;
  /** The community it belongs to; null for a DM. */
  community: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isId = (s: string) => UUID.test(s);

/** What every command gets: its arguments, where to print, and the signed-in client. */
export class Context {
  readonly out: Output;
  readonly session: Session;
  private api: ApiClient | undefined;
  private communitySlug: Promise<string> | undefined;
  private channelList = new Map<string, Promise<ChannelJson[]>>();

  constructor(
    readonly args: ParsedArgs,
    readonly config: ClientConfig,
    io: { stdoutIsTty: boolean; write?: (text: string) => void },
  ) {
    this.out = new Output(chooseMode(args.flags.json === true, io.stdoutIsTty), {
      color: !config.noColor,
      emoji: config.emoji,
      write: io.write,
    });
    this.session = openSession(config, {
      profile: stringFlag(args.flags, "profile"),
      server: stringFlag(args.flags, "server"),
    });
  }

  /**
   * The API client. On a terminal, every string of every answer has its control characters made
   * visible as it is read, before any command styles it: the one way no field a command prints can
   * drive the terminal (piped and JSON output escape them when written instead).
   */
  get client(): ApiClient {
    this.api ??= clientOf(this.session, CLI_RETRY, this.reviver);
    return this.api;
  }

  /** How answers and live events are read: with control characters shown, on a terminal. */
  get reviver() {
    return this.out.mode === "tty" ? visibleStrings : undefined;
  }

  flag(name: string) {
    return stringFlag(this.args.flags, name);
  }

  has(name: string) {
    return this.args.flags[name] === true;
  }

  /** The community `#names` resolve in: --community, the profile's, or the only one you are in. */
  community(): Promise<string> {
    this.communitySlug ??= (async () => {
      const chosen = this.flag("community") ?? this.session.profile?.community;
      if (chosen) return chosen;
      const { items } = await this.client.communities();
      return onlyCommunity(items);
    })();
    return this.communitySlug;
  }

  channelsOf(slug: string): Promise<ChannelJson[]> {
    let list = this.channelList.get(slug);
    if (!list) {
      // Archived channels too, so `read #old` and `search --in #old` still find them.
      list = this.client.channels(slug, { archived: true }).then((p) => p.items);
      this.channelList.set(slug, list);
    }
    return list;
  }

  /** `#channel` (or a bare name, or a channel id) in the current community, or `@user`'s DM. */
  async target(text: string): Promise<Target> {
    if (isId(text)) {
      const channel = await this.client.channel(text);
      return { id: channel.id, label: channel.name ? `#${channel.name}` : "(dm)", community: null };
    }
    if (text.startsWith("@")) {
      const user = await this.user(text);
      const dm = await this.client.openDm([user.id]);
      return { id: dm.id, label: `@${user.username}`, community: null };
    }
    const name = text.replace(/^#/, "").toLowerCase();
    const slug = await this.community();
    const channel = (await this.channelsOf(slug)).find((c) => c.name === name);
    if (!channel) throw new CliError(EXIT.notFound, `no channel #${name} in ${slug}`);
    return { id: channel.id, label: `#${channel.name}`, community: slug };
  }

  /** `@username` among the current community's members. */
  async user(text: string) {
    const username = text.replace(/^@/, "").toLowerCase();
    const slug = await this.community();
    const { items } = await this.client.members(slug);
    const member = items.find((m) => m.user.username.toLowerCase() === username);
    if (!member) throw new CliError(EXIT.notFound, `no member @${username} in ${slug}`);
    return member.user;
  }

  /** A label for a channel id seen in a result (`#name`, or `dm`). */
  async labelOf(channelId: string): Promise<string> {
    const slug = await this.community().catch(() => undefined);
    const channel = slug ? (await this.channelsOf(slug)).find((c) => c.id === channelId) : undefined;
    return channel?.name ? `#${channel.name}` : "dm";
  }

  /** The message text: the arguments, or standard input when none are given and it is not a terminal. */
  async text(words: string[], what = "message text"): Promise<string> {
    if (words.length > 0) return words.join(" ");
    if (process.stdin.isTTY) throw new CliError(EXIT.usage, `give the ${what}, or pipe it in`);
    return (await Bun.stdin.text()).replace(/\n+$/, "");
  }
}

export function onlyCommunity(items: CommunityJson[]): string {
  const [first] = items;
  if (!first) throw new CliError(EXIT.notFound, "you are not in any community yet");
  if (items.length > 1) {
    const slugs = items.map((c) => c.slug).join(", ");
    throw new CliError(EXIT.usage, `you are in several communities (${slugs}): pick one with --community`);
  }
  return first.slug;
}

/** The positional at `i`, or a usage error naming it. */
export function required(args: ParsedArgs, i: number, name: string): string {
  const value = args.positionals[i];
  if (value === undefined || value === "") throw new CliError(EXIT.usage, `missing ${name}`);
  return value;
}
