import { describe, expect, test } from "bun:test";
import {
  nextDue,
  parseWhen,
  readRepeat,
  repeatText,
  splitWhatWhen,
  zonedInstant,
} from "../../lib/schedule/when.ts";

// Wednesday 2026-12-02, 10:30 in New York (15:30 UTC); a fixed now, so every row is exact.
const NOW = new Date("2026-12-02T15:30:00Z");
const NY = "America/New_York";

describe("when a phrase is due, read in the zone's wall clock", () => {
  const rows: [string, string, string | null][] = [
    ["in 20 minutes", "2026-12-02T15:50:00.000Z", null],
    ["in 1 second", "2026-12-02T15:30:01.000Z", null],
    ["in an hour", "2026-12-02T16:30:00.000Z", null],
    ["in 2 hours 30 minutes", "2026-12-02T18:00:00.000Z", null],
    ["in 1h30m", "2026-12-02T17:00:00.000Z", null],
    ["in 3 days", "2026-12-05T15:30:00.000Z", null],
    ["at 9am", "2026-12-03T14:00:00.000Z", null], // 9am has passed today: tomorrow
    ["at 5pm", "2026-12-02T22:00:00.000Z", null],
    ["at 17:30", "2026-12-02T22:30:00.000Z", null],
    ["at noon", "2026-12-02T17:00:00.000Z", null],
    ["tomorrow", "2026-12-03T14:00:00.000Z", null], // 9am
    ["tomorrow at 3pm", "2026-12-03T20:00:00.000Z", null],
    ["at 3pm tomorrow", "2026-12-03T20:00:00.000Z", null],
    ["today at 4:15 pm", "2026-12-02T21:15:00.000Z", null],
    ["on Friday at 3pm", "2026-12-04T20:00:00.000Z", null],
    ["on friday", "2026-12-04T14:00:00.000Z", null],
    ["Wednesday at 9am", "2026-12-09T14:00:00.000Z", null], // today's 9am passed: next week
    ["on Wednesday at 11am", "2026-12-02T16:00:00.000Z", null],
    ["next wednesday", "2026-12-09T14:00:00.000Z", null],
    ["on 2026-12-25 at 8am", "2026-12-25T13:00:00.000Z", null],
    ["2026-12-25T08:00", "2026-12-25T13:00:00.000Z", null],
    ["2026-12-25T08:00:00Z", "2026-12-25T08:00:00.000Z", null],
    ["every day at 5pm", "2026-12-02T22:00:00.000Z", "day 17:00"],
    ["every weekday at 9am", "2026-12-03T14:00:00.000Z", "weekday 09:00"],
    ["every Monday", "2026-12-07T14:00:00.000Z", "monday 09:00"],
    ["daily at 8:30am", "2026-12-03T13:30:00.000Z", "day 08:30"],
  ];
  for (const [phrase, due, repeat] of rows) {
    test(`"${phrase}" is due ${due}${repeat ? `, repeating ${repeat}` : ""}`, () => {
      const when = parseWhen(phrase, NOW, NY);
      expect(when?.dueAt.toISOString()).toBe(due);
      expect(when?.repeat ? repeatText(when.repeat) : null).toBe(repeat);
    });
  }

  for (const phrase of [
    "",
    "soon",
    "at 25:00",
    "at 13pm",
    "in 0 minutes",
    "in five minutes",
    "every fortnight",
    "tomorrow maybe",
    "on 2026-02-30",
    "5",
  ]) {
    test(`"${phrase}" is not a time`, () => {
      expect(parseWhen(phrase, NOW, NY)).toBeNull();
    });
  }
});

describe("recurring rules", () => {
  test("every weekday skips the weekend: Friday 10am → Monday 9am", () => {
    const friday = new Date("2026-12-04T15:00:00Z");
    const rule = readRepeat("weekday 09:00");
    if (!rule) throw new Error("rule not read");
    expect(nextDue(rule, friday, NY).toISOString()).toBe("2026-12-07T14:00:00.000Z");
    // and Monday 9am on the dot moves on to Tuesday
    expect(nextDue(rule, new Date("2026-12-07T14:00:00Z"), NY).toISOString()).toBe(
      "2026-12-08T14:00:00.000Z",
    );
  });

  test("every day at 9am keeps 9am across a DST change (New York, 8 March 2026)", () => {
    const rule = readRepeat("day 09:00");
    if (!rule) throw new Error("rule not read");
    expect(nextDue(rule, new Date("2026-03-07T14:00:00Z"), NY).toISOString()).toBe(
      "2026-03-08T13:00:00.000Z",
    );
  });

  test("a wall-clock time the clock skips comes an hour later; one it shows twice, the first time", () => {
    const rows: [string, { y: number; m: number; d: number }, number, string][] = [
      [NY, { y: 2026, m: 3, d: 8 }, 2, "2026-03-08T07:30:00.000Z"], // 02:30 never shown: 03:30 EDT
      [NY, { y: 2026, m: 11, d: 1 }, 1, "2026-11-01T05:30:00.000Z"], // 01:30 EDT, not EST
      ["Europe/Paris", { y: 2026, m: 3, d: 29 }, 2, "2026-03-29T01:30:00.000Z"], // 03:30 CEST
      ["Europe/Paris", { y: 2026, m: 10, d: 25 }, 2, "2026-10-25T00:30:00.000Z"], // 02:30 CEST
      ["Asia/Kolkata", { y: 2026, m: 12, d: 25 }, 8, "2026-12-25T03:00:00.000Z"], // 08:30 at +05:30
    ];
    for (const [zone, day, hour, iso] of rows)
      expect(zonedInstant(day, hour, 30, zone).toISOString()).toBe(iso);
  });

  test("a stored rule that is not one reads as null", () => {
    expect(readRepeat("fortnight 09:00")).toBeNull();
    expect(readRepeat("day 9am")).toBeNull();
  });

  test("UTC is a zone like any other", () => {
    expect(parseWhen("at 9am", NOW, "UTC")?.dueAt.toISOString()).toBe("2026-12-03T09:00:00.000Z");
  });
});

describe("what and when, in Slack's order or the other way round", () => {
  const rows: [string, string, string][] = [
    ["to stretch in 20 minutes", "stretch", "in 20 minutes"],
    ["standup every weekday at 9am", "standup", "every weekday at 9am"],
    ["review the Friday report on Friday at 3pm", "review the Friday report", "on Friday at 3pm"],
    ['"water the plants" tomorrow', "water the plants", "tomorrow"],
    ["at 9am to call Bob", "call Bob", "at 9am"],
  ];
  for (const [text, what, whenText] of rows) {
    test(`"${text}" → "${what}" / "${whenText}"`, () => {
      const split = splitWhatWhen(text, NOW, NY);
      expect(split?.what).toBe(what);
      expect(split?.whenText).toBe(whenText);
    });
  }

  test("text with no time in it is not split", () => {
    expect(splitWhatWhen("stretch sometime", NOW, NY)).toBeNull();
    expect(splitWhatWhen("in 20 minutes", NOW, NY)).toBeNull();
  });
});
