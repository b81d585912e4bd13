/**
 * A step of a story-shaped test file, run at most once with every caller awaiting the same run: its
 * own test runs it, and a later test that stands on it runs it first when that test runs alone.
 */
export function once<T>(step: () => Promise<T>) {
  let run: Promise<T> | undefined;
  return () => {
    run ??= step();
    return run;
  };
}
