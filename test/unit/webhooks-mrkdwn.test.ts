import { describe, expect, test } from "bun:test";
import { createBuckets } from "../../lib/limits/local-buckets.ts";
import { mrkdwnToMarkdown, plainToMarkdown } from "../../lib/webhooks/mrkdwn.ts";

describe("Slack mrkdwn becomes our markdown", () => {
  test.each<[string, string]>([
    ["*bold*", "**bold**"],
    ["a *bold move* here", "a **bold move** here"],
    ["_italic_", "_italic_"],
    ["~gone~", "~~gone~~"],
    ["*bold* and _italic_ and ~strike~", "**bold** and _italic_ and ~~strike~~"],
    ["(*bold*)", "(**bold**)"],
    ["*x*", "**x**"],
    ["5 * 3 = 15 and 2*3*4", "5 * 3 = 15 and 2*3*4"],
    ["* not bold *", "* not bold *"],
    ["**already markdown** and ~~struck~~", "**already markdown** and ~~struck~~"],
    ["<https://ci.example.com/42|Build #42>", "[Build #42](https://ci.example.com/42)"],
    ["<https://example.com>", "<https://example.com>"],
    ["<https://example.com|https://example.com>", "<https://example.com>"],
    ["<mailto:ops@example.com|ops>", "[ops](mailto:ops@example.com)"],
    ["<https://x.test/a?b=1&amp;c=2|q&amp;a>", "[q&a](https://x.test/a?b=1&c=2)"],
    ["<https://x.test/(paren) path|x>", "[x](https://x.test/%28paren%29%20path)"],
    ["<https://x.test|[label]>", "[\\[label\\]](https://x.test)"],
    ["*<https://x.test|bold link>*", "**[bold link](https://x.test)**"],
    ["<https://x.test/~user~/a*b*|x>", "[x](https://x.test/~user~/a*b*)"],
    ["<javascript:alert(1)|click>", "click"],
    ["<javascript:alert(1)>", "javascript:alert(1)"],
    ["<!here> deploy starting", "@here deploy starting"],
    ["<!channel> <!everyone>", "@channel @everyone"],
    ["<!here|here>", "@here"],
    ["<@U123ABC> did it", "<@U123ABC> did it"],
    ["<#C123|general>", "#general"],
    ["<!subteam^S123|@oncall> paged", "@oncall paged"],
    ["<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"],
    ["a &lt;b&gt; &amp; c", "a <b> & c"],
    ["&amp;lt;", "&lt;"],
    ["`*not bold*` *bold*", "`*not bold*` **bold**"],
    ["`a &lt; b`", "`a < b`"],
    ["```*raw* &amp; <x>```", "```\n*raw* & <x>\n```"],
    ["before ```code``` after", "before \n```\ncode\n```\n after"],
    ["```\nline 1\nline 2\n```", "```\nline 1\nline 2\n```"],
    ["> quoted *line*", "> quoted **line**"],
    ["tab\tand\nnewline stay, bell\u0007 goes", "tab\tand\nnewline stay, bell goes"],
    [":white_check_mark: passed", ":white_check_mark: passed"],
  ])("%p → %p", (mrkdwn, markdown) => expect(mrkdwnToMarkdown(mrkdwn)).toBe(markdown));

  test("plain text is escaped so it shows literally", () => {
    expect(plainToMarkdown("*not bold* _x_ [y](z) &lt;tag&gt;")).toBe(
      "\\*not bold\\* \\_x\\_ \\[y\\](z) \\<tag\\>",
    );
    expect(plainToMarkdown("# not a heading\n- not a list\n1. not a list")).toBe(
      "\\# not a heading\n\\- not a list\n1\\. not a list",
    );
  });
});

describe("per-webhook token buckets", () => {
  test("a burst is allowed, then one post per refill, and Retry-After says when", () => {
    let now = 0;
    const buckets = createBuckets({ burst: 3, perSecond: 0.5 }, () => now);
    expect([1, 2, 3].map(() => buckets.take("hook"))).toEqual([0, 0, 0]);
    expect(buckets.take("hook")).toBe(2);
    expect(buckets.take("other")).toBe(0);
    now = 1000;
    expect(buckets.take("hook")).toBe(1);
    now = 2000;
    expect(buckets.take("hook")).toBe(0);
    expect(buckets.take("hook")).toBeGreaterThan(0);
    now = 60_000;
    expect([1, 2, 3, 4].map(() => buckets.take("hook") === 0)).toEqual([true, true, true, false]);
  });
});
