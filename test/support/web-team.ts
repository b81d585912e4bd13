import { launchChromium } from "./browser-chat.ts";
import { startChatServer } from "./chat-server.ts";

export type WebTeam = Awaited<ReturnType<typeof startWebTeam>>;

/**
 * A running chat server with a browser, alice (owner of `acme`) and bob: the channels named are
 * made beside #general, and bob is in all of them.
 */
export async function startWebTeam(channels: string[] = []) {
  const server = await startChatServer();
  const alice = server.owner;
  const bob = await server.invite("bob");
  const browser = await launchChromium();
  for (const name of channels) await server.api(alice, "POST", "/api/communities/acme/channels", { name });
  const { items } = await server.api<{ items: { id: string; name: string }[] }>(
    alice,
    "GET",
    "/api/communities/acme/channels",
  );
  for (const c of items) await server.api(bob, "POST", `/api/channels/${c.id}/join`);
  const ids = new Map(items.map((c) => [c.name, c.id]));
  return {
    server,
    browser,
    alice,
    bob,
    /** A channel's id by name. */
    id: (name: string) => ids.get(name) as string,
    /** A channel's page. */
    url: (name: string) => `${server.base}/c/acme/channels/${name}`,
    async stop() {
      await browser.close();
      await server.stop();
    },
  };
}
