/**
 * The adjacent lexeme pairs every match of a full-text query must hold, read from PostgreSQL's own text
 * of the tsquery (`websearch_to_tsquery(…)::text`), so the phrase pre-filter follows exactly the query
 * PostgreSQL runs rather than a second reading of the search syntax. A pair is "a b" when `'a' <-> 'b'`
 * sits in the query where a match cannot avoid it: in a phrase, at the top level or under AND — not
 * under OR or NOT, not with a prefix (`:*`) or weight, not across a gap left by a stop word (`<2>`).
 * Returning fewer pairs than possible is always safe (the filter is only narrower with more); a pair
 * that a match could lack would lose results, hence the strict rules.
 */

type Node =
  | { t: "word"; lexeme: string; plain: boolean }
  | { t: "not"; arg: Node }
  | { t: "and" | "or"; l: Node; r: Node }
  | { t: "phrase"; l: Node; r: Node; distance: number };

/** tsquery text as tsqueryout writes it: 'lexeme'[:*ABCD], !, &, |, <->, <N>, parentheses. */
function parse(text: string): Node | null {
  let i = 0;
  const skip = () => {
    while (text[i] === " ") i++;
  };
  const fail = (): never => {
    throw new Error(`unreadable tsquery at ${i}: ${text}`);
  };

  function operand(): Node {
    i++; // the opening quote
    let lexeme = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) fail();
      if (c === "\\") {
        lexeme += text[i + 1] ?? fail();
        i += 2;
      } else if (c === "'" && text[i + 1] === "'") {
        lexeme += "'";
        i += 2;
      } else if (c === "'") {
        i++;
        break;
      } else {
        lexeme += c;
        i++;
      }
    }
    let plain = true;
    if (text[i] === ":") {
      plain = false;
      i++;
      while (/[*A-D]/.test(text[i] ?? "")) i++;
    }
    return { t: "word", lexeme, plain };
  }

  function unary(): Node {
    skip();
    const c = text[i];
    if (c === "!") {
      i++;
      return { t: "not", arg: unary() };
    }
    if (c === "(") {
      i++;
      const inner = or();
      skip();
      if (text[i] !== ")") fail();
      i++;
      return inner;
    }
    if (c === "'") return operand();
    return fail();
  }

  function phrase(): Node {
    let node = unary();
    for (;;) {
      skip();
      const m = /^<(-|\d+)>/.exec(text.slice(i));
      if (!m) return node;
      i += m[0].length;
      node = { t: "phrase", l: node, r: unary(), distance: m[1] === "-" ? 1 : Number(m[1]) };
    }
  }

  function and(): Node {
    let node = phrase();
    for (;;) {
      skip();
      if (text[i] !== "&") return node;
      i++;
      node = { t: "and", l: node, r: phrase() };
    }
  }

  function or(): Node {
    let node = and();
    for (;;) {
      skip();
      if (text[i] !== "|") return node;
      i++;
      node = { t: "or", l: node, r: and() };
    }
  }

  skip();
  if (i === text.length) return null; // only stop words: the query matches nothing
  const root = or();
  skip();
  if (i !== text.length) fail();
  return root;
}

// The lexemes at a phrase's two ends: a phrase match is rigid, so the left operand's last lexeme and
// the right operand's first stand exactly `distance` positions apart in every match.
const first = (n: Node): Node | null => (n.t === "word" ? n : n.t === "phrase" ? first(n.l) : null);
const last = (n: Node): Node | null => (n.t === "word" ? n : n.t === "phrase" ? last(n.r) : null);

function required(n: Node, into: Set<string>) {
  if (n.t === "and") {
    required(n.l, into);
    required(n.r, into);
  } else if (n.t === "phrase") {
    if (n.l.t === "phrase") required(n.l, into);
    if (n.r.t === "phrase") required(n.r, into);
    const a = last(n.l);
    const b = first(n.r);
    if (n.distance === 1 && a?.t === "word" && a.plain && b?.t === "word" && b.plain) {
      into.add(`${a.lexeme} ${b.lexeme}`);
    }
  }
}

// Nothing but phrases and exclusions under AND: no other word whose own index entry could be rarer
// than the phrase's pairs.
const phrasesOnly = (n: Node): boolean =>
  n.t === "phrase" || n.t === "not" || (n.t === "and" && phrasesOnly(n.l) && phrasesOnly(n.r));

/**
 * What a tsquery text requires: the pairs ("lexeme lexeme") every matching document holds side by
 * side, and whether the query is nothing but phrases and exclusions.
 */
export function readPhrases(tsqueryText: string): { pairs: string[]; phrasesOnly: boolean } {
  let root: Node | null;
  try {
    root = parse(tsqueryText);
  } catch {
    return { pairs: [], phrasesOnly: false }; // never narrower than the query itself
  }
  const pairs = new Set<string>();
  if (root) required(root, pairs);
  return { pairs: [...pairs], phrasesOnly: root !== null && phrasesOnly(root) };
}

/** The pairs ("lexeme lexeme") that every document matching this tsquery text holds side by side. */
export const requiredWordPairs = (tsqueryText: string) => readPhrases(tsqueryText).pairs;
