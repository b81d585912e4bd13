import type { SQL } from "bun";
import { ms, type Operation } from "./measure.ts";
import type { Statement } from "./setup.ts";

/** An operation that runs the statements one after another: the SQL alone, with no HTTP, ORM or views. */
export const runRaw =
  (raw: SQL, statements: Statement[]): Operation =>
  async () => {
    for (const s of statements) await raw.unsafe(s.query, s.params as unknown[]);
  };

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  Plans?: PlanNode[];
}

/** The plan's nodes as `Limit > Index Scan messages_channel_id (51 rows)`, depth first. */
function outline(node: PlanNode, depth = 0): string[] {
  const on = node["Index Name"] ?? node["Relation Name"];
  const self = `${"  ".repeat(depth)}${node["Node Type"]}${on ? ` ${on}` : ""} (${node["Actual Rows"]} rows)`;
  return [self, ...(node.Plans ?? []).flatMap((p) => outline(p, depth + 1))];
}

/** EXPLAIN ANALYZE of one statement: the server's execution time and the plan's shape. */
export async function explain(raw: SQL, s: Statement) {
  const [row] = await raw.unsafe(`explain (analyze, buffers, format json) ${s.query}`, s.params as unknown[]);
  const [plan] = (row as { "QUERY PLAN": { Plan: PlanNode; "Execution Time": number }[] })["QUERY PLAN"];
  if (!plan) throw new Error("EXPLAIN returned no plan");
  return { executionMs: plan["Execution Time"], outline: outline(plan.Plan) };
}

/** One line per SELECT: its execution time in the server and the start of its text. */
export async function explainEach(raw: SQL, statements: Statement[]) {
  // EXPLAIN ANALYZE runs the statement: writes (a session's once-a-minute touch) are left out.
  for (const s of statements.filter((s) => /^\s*select/i.test(s.query))) {
    const { executionMs } = await explain(raw, s);
    const text = s.query.replace(/\s+/g, " ").replace(/"/g, "");
    console.log(
      `      ${ms(executionMs).padStart(6)} ms  ${text.slice(0, 96)}${text.length > 96 ? "…" : ""}`,
    );
  }
}
