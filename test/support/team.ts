import { type ChatPerson, type ChatServer, startChatServer } from "./chat-server.ts";

export interface Team {
  server: ChatServer;
  /** The owner of `acme`. */
  alice: ChatPerson;
  /** A member of `acme`, in #general and in every channel the team was made with. */
  bob: ChatPerson;
  /** A channel's id by name. */
  id(name: string): string;
  /** A channel's page. */
  url(name: string): string;
}

/**
 * A running chat (`env` added to its environment) with alice, who owns `acme`, and bob: the
 * channels named are made beside #general, and bob is in all of them.
 */
export async function startTeam(channels: string[] = [], env: Record<string, string> = {}): Promise<Team> {
  const server = await startChatServer(env);
  const alice = server.owner;
  const bob = await server.invite("bob");
  const ids = new Map<string, string>();
  const { items } = await server.api<{ items: { id: string; name: string }[] }>(
    alice,
    "GET",
    "/api/communities/acme/channels",
  );
  for (const c of items) ids.set(c.name, c.id);
  for (const name of channels) {
    const { id } = await server.api<{ id: string }>(alice, "POST", "/api/communities/acme/channels", {
      name,
    });
    await server.api(bob, "POST", `/api/channels/${id}/join`);
    ids.set(name, id);
  }
  return {
    server,
    alice,
    bob,
    id: (name) => {
      const id = ids.get(name);
      if (!id) throw new Error(`no channel #${name} in the team`);
      return id;
    },
    url: (name) => `${server.base}/c/acme/channels/${name}`,
  };
}
