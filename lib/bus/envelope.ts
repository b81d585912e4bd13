import { z } from "zod";

/**
 * The plan's event envelope. `data` carries enough to render the common case. The schema evolves
 * additively, so unknown fields are kept, not rejected.
 */
export const envelopeSchema = z.looseObject({
  type: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/, "must look like noun.verb, e.g. message.created"),
  community_id: z.uuid().nullable(),
  channel_id: z.uuid().nullable(),
  actor_id: z.uuid().nullable(),
  timestamp: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
});

export type Envelope = z.infer<typeof envelopeSchema>;

/** Builds an envelope stamped now; `community_id`/`channel_id`/`actor_id` default to null. */
export function envelope(
  type: string,
  fields: Partial<Pick<Envelope, "community_id" | "channel_id" | "actor_id">> & {
    data?: Record<string, unknown>;
  },
): Envelope {
  return {
    type,
    community_id: fields.community_id ?? null,
    channel_id: fields.channel_id ?? null,
    actor_id: fields.actor_id ?? null,
    timestamp: new Date().toISOString(),
    data: fields.data ?? {},
  };
}

/** Validates an envelope received from the bus or about to be published; throws on a bad one. */
export function parseEnvelope(value: unknown): Envelope {
  return envelopeSchema.parse(value);
}
