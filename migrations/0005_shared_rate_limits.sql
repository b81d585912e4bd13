-- UNLOGGED: rate-limit state is rewritten on most requests and worthless after a crash, so it skips the WAL.
CREATE UNLOGGED TABLE "rate_limit_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"level" double precision NOT NULL,
	"at" double precision NOT NULL,
	"granted" boolean NOT NULL
);
