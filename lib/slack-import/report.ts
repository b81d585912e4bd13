/** What an import did and what it left out, with why: printed at the end, or as JSON. */
export interface ImportReport {
  users: { created: number; existing: number; deactivated: number };
  conversations: { created: number; existing: number; merged: string[] };
  messages: { imported: number; existing: number; replies: number };
  reactions: number;
  files: { stored: number; existing: number; missing: number };
  /** Left out or changed on the way, by reason: how many, and a few examples (`conversation@ts`). */
  skipped: { reason: string; count: number; examples: string[] }[];
}

const EXAMPLES = 3;

export function newReport(): ImportReport & { skip(reason: string, example: string): void } {
  const skipped = new Map<string, { reason: string; count: number; examples: string[] }>();
  const report = {
    users: { created: 0, existing: 0, deactivated: 0 },
    conversations: { created: 0, existing: 0, merged: [] as string[] },
    messages: { imported: 0, existing: 0, replies: 0 },
    reactions: 0,
    files: { stored: 0, existing: 0, missing: 0 },
    get skipped() {
      return [...skipped.values()];
    },
    skip(reason: string, example: string) {
      const entry = skipped.get(reason) ?? { reason, count: 0, examples: [] };
      entry.count++;
      if (entry.examples.length < EXAMPLES) entry.examples.push(example);
      skipped.set(reason, entry);
    },
  };
  return report;
}
