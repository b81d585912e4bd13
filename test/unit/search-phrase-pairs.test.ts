import { expect, test } from "bun:test";
import { readPhrases, requiredWordPairs } from "../../lib/search/phrase-pairs.ts";

// The inputs are PostgreSQL's own text of websearch_to_tsquery('english', …) for the query in the comment.
test("a phrase requires each pair of adjacent lexemes", () => {
  // "release train leaves"
  expect(requiredWordPairs("'releas' <-> 'train' <-> 'leav'")).toEqual(["releas train", "train leav"]);
  // "release train" deploy
  expect(requiredWordPairs("'releas' <-> 'train' & 'deploy'")).toEqual(["releas train"]);
});

test("an exclusion or an alternative requires nothing; the phrase beside it still does", () => {
  // "quick brown" -fox "lazy dog" or cat
  expect(requiredWordPairs("'quick' <-> 'brown' & !'fox' & 'lazi' <-> 'dog' | 'cat'")).toEqual([]);
  // "quick brown" -fox
  expect(requiredWordPairs("'quick' <-> 'brown' & !'fox'")).toEqual(["quick brown"]);
  // -"quick brown" dog
  expect(requiredWordPairs("!( 'quick' <-> 'brown' ) & 'dog'")).toEqual([]);
  // ("a b" or c) d — written by hand: an OR under AND requires nothing
  expect(requiredWordPairs("( 'a' <-> 'b' | 'c' ) & 'd'")).toEqual([]);
});

test("a gap left by a stop word requires no pair across it, only the adjacent ones", () => {
  // "merge the pull request"
  expect(requiredWordPairs("'merg' <2> 'pull' <-> 'request'")).toEqual(["pull request"]);
  // "state of the art"
  expect(requiredWordPairs("'state' <3> 'art'")).toEqual([]);
});

test("prefixes, weights and nested groups inside a phrase require nothing at their edges", () => {
  expect(requiredWordPairs("'a':* <-> 'b'")).toEqual([]);
  expect(requiredWordPairs("'a' <-> 'b':AB")).toEqual([]);
  expect(requiredWordPairs("( 'a' | 'c' ) <-> 'b'")).toEqual([]);
  // A right-nested phrase is as rigid as a left-nested one.
  expect(requiredWordPairs("'a' <-> ( 'b' <-> 'c' )")).toEqual(["b c", "a b"]);
});

test("quotes and backslashes inside lexemes are read back as written", () => {
  // Written by hand: ' and \ are doubled in the text.
  expect(requiredWordPairs("'it''s' <-> 'a\\\\b'")).toEqual(["it's a\\b"]);
  // "on-call rota": the compound and its parts take positions of their own ("on" is a stop word)
  expect(requiredWordPairs("'on-cal' <2> 'call' <-> 'rota'")).toEqual(["call rota"]);
});

test("only stop words, or text that is not a tsquery, require nothing", () => {
  expect(requiredWordPairs("")).toEqual([]);
  expect(requiredWordPairs("'a' <-> ")).toEqual([]);
  expect(requiredWordPairs("'unterminated")).toEqual([]);
});

test("a query of phrases and exclusions only is told apart from one with other words", () => {
  // "release train" -draft
  expect(readPhrases("'releas' <-> 'train' & !'draft'")).toEqual({
    pairs: ["releas train"],
    phrasesOnly: true,
  });
  // "release train" today: "today" may be rarer than the pair, so its index must stay usable
  expect(readPhrases("'releas' <-> 'train' & 'today'")).toEqual({
    pairs: ["releas train"],
    phrasesOnly: false,
  });
  // "release train" or "pull request"
  expect(readPhrases("'releas' <-> 'train' | 'pull' <-> 'request'").phrasesOnly).toBe(false);
});
