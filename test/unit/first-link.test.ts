import { describe, expect, test } from "bun:test";
import { firstLink } from "../../lib/unfurls/first-link.ts";

// firstLink skips lexing a body that holds no scheme, `www.` or entity: each spelling of a link
// must still be found, and bodies without one must stay without.
describe("the first link of a message", () => {
  test.each([
    ["a bare URL", "the build is at https://ci.example/42 now", "https://ci.example/42"],
    ["an autolink", "see <http://a.example/x>", "http://a.example/x"],
    ["a titled link", "[the docs](https://docs.example/a)", "https://docs.example/a"],
    ["a capitalised scheme", "HTTPS://LOUD.EXAMPLE/", "https://loud.example/"],
    ["a bare www. link, which GFM makes http", "at www.example.com today", "http://www.example.com/"],
    ["a link beside an entity", "fish &amp; chips: https://menu.example/", "https://menu.example/"],
    ["the first of two", "http://one.example and https://two.example", "http://one.example/"],
  ])("%s is found", (_, md, href) => {
    expect(firstLink(md)).toBe(href);
  });

  test.each([
    ["plain words", "the build is green again"],
    ["a mention and emphasis", "@alice the **deploy** is done :tada:"],
    ["a link in code", "run `curl https://x.example`\n\n```\nhttps://y.example\n```"],
    ["another scheme", "mail me: mailto:alice@example.com, or ftp://files.example"],
    ["an ampersand with no link", "salt & pepper &amp; more"],
  ])("%s: none", (_, md) => {
    expect(firstLink(md)).toBeUndefined();
  });
});
