import { z } from "zod";

const count = z.coerce.number().int().positive();

/**
 * Sizes and durations of the benchmarks, from the environment (the defaults are the issue's
 * target sizes). Smaller values give a quicker, rougher run; every report prints what it used.
 */
export const knobs = z
  .object({
    /** Length of each measured load phase of the POST benchmark, after a warm-up of a fifth of it. */
    BENCH_SECONDS: z.coerce.number().positive().default(10),
    BENCH_CLIENTS: count.default(16),
    BENCH_HISTORY_MESSAGES: count.default(100_000),
    BENCH_SEARCH_MESSAGES: count.default(1_000_000),
    /** Requests per latency measurement of a page or a search. */
    BENCH_SAMPLES: count.default(300),
  })
  .parse(Bun.env);
