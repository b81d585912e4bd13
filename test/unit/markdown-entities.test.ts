import { expect, test } from "bun:test";
import { decodeEntities } from "../../lib/markdown/entities.ts";

test("the five entities escapers write become characters, once, and other entities stay as written", () => {
  expect(decodeEntities("a &amp; b &lt;tag&gt; &quot;q&quot; it&#39;s")).toBe(`a & b <tag> "q" it's`);
  // One pass: an escaped entity comes out as that entity, not as its character.
  expect(decodeEntities("&amp;lt;")).toBe("&lt;");
  expect(decodeEntities("&nbsp; &#x73; &copy; &amp &AMP;")).toBe("&nbsp; &#x73; &copy; &amp &AMP;");
});
