/**
 * Calls that ask the same thing at about the same time share one answer: callers joining within
 * one turn of the event loop (as the streams of a connection storm do) get the promise of a call
 * that starts after the last of them joined, so its answer is at least as new as each caller's
 * own start. A call already under way is never joined. The first caller's `call` is the one made.
 */
export function coalesced<T>() {
  const waiting = new Map<string, Promise<T>>();
  return (key: string, call: () => Promise<T>): Promise<T> => {
    let answer = waiting.get(key);
    if (!answer) {
      answer = new Promise<T>((resolve, reject) => {
        setImmediate(() => {
          waiting.delete(key);
          call().then(resolve, reject);
        });
      });
      waiting.set(key, answer);
    }
    return answer;
  };
}
