import type { Person } from "./setup.ts";
import { type BenchApi, bulkLoad, bulkUsers, createCommunity, sqlArray, uuidv7Sql } from "./setup.ts";

const VOCABULARY = 4000;
export const CHANNELS = 20;
const CHUNK = 50_000;
// Vocabulary words sit in fixed-width slots of one bytea, so SQL picks the n-th word in constant time.
const SLOT = 12;

/** Pronounceable made-up words, the same every run (a seeded generator). */
function pseudoWords(count: number) {
  let state = 42;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (letters: string) => letters[Math.floor(next() * letters.length)] as string;
  const words = new Set<string>();
  while (words.size < count) {
    let word = "";
    for (let i = 2 + Math.floor(next() * 2); i > 0; i--) word += pick("bdfgklmnprtvz") + pick("aeiou");
    words.add(word + pick("dkmnprtvz"));
  }
  return [...words];
}

/**
 * `total` messages of 6–18 random words over 20 channels, written set-based in SQL. Word ranks
 * are log-uniform (Zipf-like: the n-th word is about n times rarer than the first), so posting
 * lists range from most of the table to a few rows. Alice can read 17 of the 20 channels: acme's
 * public ones and one of its two private ones, not the other nor anything in globex, a community
 * she is not in. Returns Alice and the vocabulary, most common word first.
 */
export async function seedSearchCorpus(
  api: BenchApi,
  total: number,
): Promise<{ alice: Person; vocabulary: string[] }> {
  const alice = await api.person("alice");
  const bob = await api.person("bob");
  const colleagues = await bulkUsers(api.raw, "colleague", 50);
  const acme = await createCommunity(
    api,
    alice,
    "acme",
    colleagues.map((id) => ({ id })),
  );
  const globex = await createCommunity(api, bob, "globex", []);
  const channels = Array.from({ length: CHANNELS }, (_, i) => ({
    id: Bun.randomUUIDv7(),
    community_id: i >= CHANNELS - 2 ? globex.communityId : acme.communityId,
    name: `channel-${i + 1}`,
    visibility: i === CHANNELS - 4 || i === CHANNELS - 3 ? "private" : "public",
  }));
  await api.raw`insert into channels ${api.raw(channels)}`;
  await api.raw`insert into channel_members (channel_id, user_id) values (${channels[CHANNELS - 4]?.id}, ${alice.id})`;

  // Words that stem to themselves, one lexeme each, none a stop word, so a word's rank in the
  // vocabulary is its rank in the index.
  const candidates = pseudoWords(VOCABULARY * 1.5);
  const stems = await api.raw`
    select w, to_tsvector('english', w)::text as v from unnest(${api.raw.array(candidates, "TEXT")}) w`;
  const vocabulary = (stems as { w: string; v: string }[])
    .filter((r) => r.v === `'${r.w}':1`)
    .map((r) => r.w)
    .slice(0, VOCABULARY);
  const slots = Buffer.from(vocabulary.map((w) => w.padEnd(SLOT)).join("")).toString("hex");
  const word = `rtrim(convert_from(substring('\\x${slots}'::bytea
    from (floor(exp(random() * ln(${vocabulary.length + 1})))::int - 1) * ${SLOT} + 1 for ${SLOT}), 'UTF8'))`;

  const base = `(extract(epoch from now()) * 1000)::bigint - ${total + 1}::bigint * 30000`;
  const chunks = Array.from({ length: Math.ceil(total / CHUNK) }, (_, c) => {
    const from = c * CHUNK + 1;
    const to = Math.min(total, (c + 1) * CHUNK);
    return `insert into messages (id, channel_id, user_id, body_md, created_at)
      select ${uuidv7Sql("t.ms")}, (${sqlArray(
        channels.map((ch) => ch.id),
        "uuid",
      )})[1 + g % ${CHANNELS}], (${sqlArray(colleagues, "uuid")})[1 + (g / ${CHANNELS}) % ${colleagues.length}],
        s.body, to_timestamp(t.ms / 1000.0)
      from generate_series(${from}, ${to}) g
      cross join lateral (select ${base} + g::bigint * 30000 as ms) t
      cross join lateral (select string_agg(${word}, ' ') as body from generate_series(1, 6 + (g * 7) % 13)) s`;
  });
  await bulkLoad(api.dbUrl, chunks);
  return { alice, vocabulary };
}
