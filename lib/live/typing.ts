import { z } from "zod";
import { envelope } from "../bus/envelope.ts";
import type { EventBus } from "../bus/event-bus.ts";
import { subjects } from "../bus/subjects.ts";
import type { ApiClient } from "../client/api-client.ts";

export const typingBody = z.object({
  channel_id: z.uuid(),
  state: z.enum(["start", "stop"]).default("start"),
});

/**
 * Publishes "typing" straight on the bus (no API write), after the API confirms the caller can read
 * the channel — which also says where the channel lives (a community, or a DM).
 */
export async function doPublishTyping(
  bus: EventBus,
  api: ApiClient,
  userId: string,
  input: z.output<typeof typingBody>,
) {
  const channel = await api.get<{ id: string; community_id: string | null }>(
    `/api/channels/${input.channel_id}`,
  );
  const subject = channel.community_id
    ? subjects.typing(channel.community_id, channel.id)
    : subjects.dmTyping(channel.id);
  await bus.publish(
    subject,
    envelope(`typing.${input.state}`, {
      community_id: channel.community_id,
      channel_id: channel.id,
      actor_id: userId,
      data: { user_id: userId },
    }),
  );
}
