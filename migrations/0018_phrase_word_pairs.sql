-- Phrase search's pre-filter. The GIN index on "search" knows which messages hold a word but not where,
-- so a quoted phrase of two common words had PostgreSQL read the tsvector of every message holding both
-- (or walk the whole table newest first) to check adjacency. "word_pairs" holds one key per pair of
-- lexemes at adjacent positions of that same tsvector; a phrase's adjacent pairs must all be there, so
-- its index narrows the candidates to about the phrase's own matches, and "search" @@ the query still
-- decides. Keys are 16-bit buckets of the pair's hash: an unrelated pair sharing a bucket only costs a
-- recheck, and the index stays small. The query side computes its keys with word_pair_key(), which must
-- stay the same expression as below (inlined there so a restore, which runs with an empty search_path,
-- finds nothing but pg_catalog functions in the generated column).
CREATE FUNCTION word_pair_key(pair text) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT hashtext(pair) & 65535 $$;
--> statement-breakpoint
CREATE FUNCTION message_word_pairs(v tsvector) RETURNS integer[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
    SELECT coalesce(array_agg(DISTINCT hashtext(a.lexeme || ' ' || b.lexeme) & 65535), '{}')
    FROM (SELECT lexeme, unnest(positions) AS p FROM unnest(v)) a
    JOIN (SELECT lexeme, unnest(positions) AS p FROM unnest(v)) b ON b.p = a.p + 1
  $$;
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "word_pairs" integer[] GENERATED ALWAYS AS (message_word_pairs(to_tsvector('english', body_md))) STORED;
--> statement-breakpoint
CREATE INDEX "messages_word_pairs" ON "messages" USING gin ("word_pairs");
