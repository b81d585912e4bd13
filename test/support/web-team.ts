import { launchChromium } from "./browser-chat.ts";
import { startTeam } from "./team.ts";

export type WebTeam = Awaited<ReturnType<typeof startWebTeam>>;

/** A team (see `startTeam`) and a browser for its people. */
export async function startWebTeam(channels: string[] = []) {
  const team = await startTeam(channels);
  const browser = await launchChromium();
  return {
    ...team,
    browser,
    async stop() {
      await browser.close();
      await team.server.stop();
    },
  };
}
