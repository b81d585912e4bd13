// When a reminder or a scheduled message is due, read from the words people type ("in 20 minutes",
// "at 9am", "tomorrow", "on Friday at 3pm", "every weekday at 9am"), in a given IANA time zone.
// Pure: `now` is passed in, so the table of phrases in test/unit/schedule-when.test.ts is exact.

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const SHORT_DAYS: Record<string, Weekday> = {
  sun: "sunday",
  mon: "monday",
  tue: "tuesday",
  tues: "tuesday",
  wed: "wednesday",
  thu: "thursday",
  thur: "thursday",
  thurs: "thursday",
  fri: "friday",
  sat: "saturday",
};

/** A recurring rule: every day, every weekday (Monday to Friday) or one day of the week, at a time. */
export interface Repeat {
  every: "day" | "weekday" | Weekday;
  hour: number;
  minute: number;
}

export interface When {
  dueAt: Date;
  repeat: Repeat | null;
}

/** Where a reminder's time is not given ("tomorrow", "on Friday"), it is 9 in the morning, as Slack's. */
const MORNING = { hour: 9, minute: 0 };

const UNITS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 7 * 86_400_000,
  week: 7 * 86_400_000,
  weeks: 7 * 86_400_000,
};

/** A date on the calendar (no zone), for day arithmetic that knows nothing of DST. */
interface Civil {
  y: number;
  m: number;
  d: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows this IANA zone name. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at `date`. */
function wallClock(date: Date, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(date)) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return {
    y: parts.year ?? 0,
    m: parts.month ?? 1,
    d: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/**
 * The instant the wall clock of `timeZone` shows this date and time. A time skipped by a DST change
 * comes out an hour later; a time shown twice, the first of the two.
 */
export function zonedInstant(day: Civil, hour: number, minute: number, timeZone: string): Date {
  const wanted = Date.UTC(day.y, day.m - 1, day.d, hour, minute);
  const offsetAt = (t: number) => {
    const w = wallClock(new Date(t), timeZone);
    return Date.UTC(w.y, w.m - 1, w.d, w.hour, w.minute, w.second) - t;
  };
  // Zones change their offset at most once a day: the offsets a day either side are the only ones.
  const before = offsetAt(wanted - 86_400_000);
  const after = offsetAt(wanted + 86_400_000);
  const fits = [wanted - before, wanted - after]
    .filter((t) => offsetAt(t) === wanted - t)
    .sort((a, b) => a - b);
  // Shown twice: the first. Never shown (the clock jumped over it): the old offset, an hour later.
  return new Date(fits[0] ?? wanted - before);
}

const addDays = (c: Civil, n: number): Civil => {
  const t = new Date(Date.UTC(c.y, c.m - 1, c.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
};
const weekdayOf = (c: Civil) => new Date(Date.UTC(c.y, c.m - 1, c.d)).getUTCDay();

/** A time of day: `9am`, `9 am`, `9:30pm`, `17:00`, `noon`, `midnight`. */
function readTime(words: string[]): { hour: number; minute: number; used: number } | null {
  const [first, second] = words;
  if (first === undefined) return null;
  if (first === "noon") return { hour: 12, minute: 0, used: 1 };
  if (first === "midnight") return { hour: 0, minute: 0, used: 1 };
  const joined = second === "am" || second === "pm" ? `${first}${second}` : first;
  const used = joined === first ? 1 : 2;
  const m = /^(\d{1,2})(?::(\d{2}))?(am|pm)?$/.exec(joined);
  if (!m) return null;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  const half = m[3];
  // A bare number is not a time ("in 5" or a date's day); "17:00" or "9am" are.
  if (!half && m[2] === undefined) return null;
  if (minute > 59) return null;
  if (half) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (half === "pm" ? 12 : 0);
  } else if (hour > 23) return null;
  return { hour, minute, used };
}

function readWeekday(word: string | undefined): Weekday | null {
  if (word === undefined) return null;
  const w = word.replace(/s$/, "") as Weekday;
  if ((WEEKDAYS as readonly string[]).includes(word)) return word as Weekday;
  if ((WEEKDAYS as readonly string[]).includes(w)) return w;
  return SHORT_DAYS[word] ?? null;
}

/** "in 20 minutes", "in an hour", "in 1h30m", "in 2 hours 30 minutes". */
function readIn(words: string[], now: Date): Date | null {
  if (words[0] !== "in" || words.length < 2) return null;
  let total = 0;
  let i = 1;
  while (i < words.length) {
    const word = words[i] as string;
    const glued = /^(\d+)([a-z]+)$/.exec(word);
    const compact = /^(\d+[a-z]+)+$/.test(word) ? [...word.matchAll(/(\d+)([a-z]+)/g)] : null;
    if (compact && compact.length > 1) {
      for (const [, n, unit] of compact) {
        const ms = UNITS[unit as string];
        if (!ms) return null;
        total += Number(n) * ms;
      }
      i += 1;
      continue;
    }
    const count = glued
      ? Number(glued[1])
      : word === "a" || word === "an"
        ? 1
        : /^\d+$/.test(word)
          ? Number(word)
          : NaN;
    const unit = glued ? glued[2] : words[i + 1];
    const ms = unit === undefined ? undefined : UNITS[unit];
    if (!Number.isFinite(count) || !ms) return null;
    total += count * ms;
    i += glued ? 1 : 2;
    if (words[i] === "and") i += 1;
  }
  return total > 0 ? new Date(now.getTime() + total) : null;
}

/** A day named on its own: today, tomorrow, [on|next] Friday, [on] 2026-12-25. */
function readDay(words: string[], today: Civil): { day: Civil; used: number; weekday?: boolean } | null {
  const [first] = words;
  if (first === "today") return { day: today, used: 1 };
  if (first === "tomorrow") return { day: addDays(today, 1), used: 1 };
  const lead = first === "on" || first === "next" ? 1 : 0;
  const word = words[lead];
  const weekday = readWeekday(word);
  if (weekday) {
    const ahead = (WEEKDAYS.indexOf(weekday) - weekdayOf(today) + 7) % 7;
    // "next Friday" on a Friday is a week on; "on Friday" is today if its time is still ahead (the caller rolls on).
    const days = first === "next" && ahead === 0 ? 7 : ahead;
    return { day: addDays(today, days), used: lead + 1, weekday: true };
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(word ?? "");
  if (iso && (first === "on" || lead === 0) && first !== "next") {
    const day = { y: Number(iso[1]), m: Number(iso[2]), d: Number(iso[3]) };
    const check = addDays(day, 0);
    if (check.m !== day.m || check.d !== day.d) return null;
    return { day, used: lead + 1 };
  }
  return null;
}

/** Reads `when`; null when the words are not a time this reader knows. */
export function parseWhen(text: string, now: Date, timeZone: string): When | null {
  const trimmed = text.trim();
  // A full ISO 8601 time with its offset (scripts): taken as is.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(trimmed)) {
    const t = new Date(trimmed);
    return Number.isNaN(t.getTime()) ? null : { dueAt: t, repeat: null };
  }
  const words = trimmed
    .toLowerCase()
    .replace(/[.,!]+$/, "")
    .replace(/,/g, " ")
    .split(/\s+/)
    .filter(Boolean)
    // "2026-12-25T09:00" without a zone reads as the day and the time on the zone's clock.
    .flatMap((w) => {
      const m = /^(\d{4}-\d{2}-\d{2})t(\d{2}:\d{2})$/.exec(w);
      return m ? [m[1] as string, m[2] as string] : [w];
    });
  if (words.length === 0) return null;

  const inTime = readIn(words, now);
  if (inTime) return { dueAt: inTime, repeat: null };

  if (words[0] === "every" || words[0] === "daily") return readEvery(words, now, timeZone);

  const w = wallClock(now, timeZone);
  const today = { y: w.y, m: w.m, d: w.d };
  // [day] [at] [time] or [at] time [day], every part optional but one.
  let day: ReturnType<typeof readDay> = null;
  let time: ReturnType<typeof readTime> = null;
  let i = 0;
  day = readDay(words, today);
  if (day) i += day.used;
  if (words[i] === "at") i += 1;
  time = readTime(words.slice(i));
  if (time) i += time.used;
  if (!day && time) {
    day = readDay(words.slice(i), today);
    if (day) i += day.used;
  }
  if (i !== words.length || (!day && !time)) return null;
  const clock = time ?? MORNING;
  let due = zonedInstant(day?.day ?? today, clock.hour, clock.minute, timeZone);
  // A time alone, or a weekday alone, means the next one still ahead.
  if (due <= now && (!day || day.weekday)) {
    const step = day ? 7 : 1;
    due = zonedInstant(addDays(day?.day ?? today, step), clock.hour, clock.minute, timeZone);
  }
  return { dueAt: due, repeat: null };
}

/** "every day at 5pm", "every weekday at 9am", "every Monday", "daily at 8:30". */
function readEvery(words: string[], now: Date, timeZone: string): When | null {
  let i = 1;
  let every: Repeat["every"];
  if (words[0] === "daily") every = "day";
  else {
    const what = words[1];
    i = 2;
    if (what === "day" || what === "morning") every = "day";
    else if (what === "weekday" || what === "weekdays") every = "weekday";
    else {
      const weekday = readWeekday(what);
      if (!weekday) return null;
      every = weekday;
    }
  }
  if (words[i] === "at") i += 1;
  const time = readTime(words.slice(i));
  if (time) i += time.used;
  if (i !== words.length) return null;
  const repeat: Repeat = { every, ...(time ? { hour: time.hour, minute: time.minute } : MORNING) };
  return { dueAt: nextDue(repeat, now, timeZone), repeat };
}

/** The first time after `after` that the rule names. */
export function nextDue(repeat: Repeat, after: Date, timeZone: string): Date {
  const w = wallClock(after, timeZone);
  const today = { y: w.y, m: w.m, d: w.d };
  for (let n = 0; n <= 8; n++) {
    const day = addDays(today, n);
    const weekday = weekdayOf(day);
    const fits =
      repeat.every === "day" ||
      (repeat.every === "weekday" ? weekday >= 1 && weekday <= 5 : WEEKDAYS[weekday] === repeat.every);
    if (!fits) continue;
    const due = zonedInstant(day, repeat.hour, repeat.minute, timeZone);
    if (due > after) return due;
  }
  throw new Error(`no next time for ${repeatText(repeat)}`);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The rule as stored: `weekday 09:00`. */
export const repeatText = (r: Repeat) => `${r.every} ${pad(r.hour)}:${pad(r.minute)}`;

/** A stored rule back; null when the text is not one. */
export function readRepeat(text: string): Repeat | null {
  const m = /^([a-z]+) (\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const every = m[1] as string;
  if (every !== "day" && every !== "weekday" && !(WEEKDAYS as readonly string[]).includes(every)) return null;
  return { every: every as Repeat["every"], hour: Number(m[2]), minute: Number(m[3]) };
}

/** The rule in words: "every weekday at 09:00". */
export const repeatWords = (r: Repeat) =>
  `every ${r.every === "day" || r.every === "weekday" ? r.every : r.every[0]?.toUpperCase() + r.every.slice(1)} at ${pad(r.hour)}:${pad(r.minute)}`;

/**
 * Splits "to stretch in 20 minutes" into what and when: the longest tail of the words that reads as
 * a time (Slack's order), else the longest head ("at 9am to call Bob"). A leading "to" and quotes
 * around what are dropped. Null when no part reads as a time.
 */
export function splitWhatWhen(
  text: string,
  now: Date,
  timeZone: string,
): { what: string; when: When; whenText: string } | null {
  const words = text.trim().split(/\s+/).filter(Boolean);
  for (let i = 1; i < words.length; i++) {
    const whenText = words.slice(i).join(" ");
    const when = parseWhen(whenText, now, timeZone);
    if (when) return { what: cleanWhat(words.slice(0, i).join(" ")), when, whenText };
  }
  for (let j = words.length - 1; j >= 1; j--) {
    const whenText = words.slice(0, j).join(" ");
    const when = parseWhen(whenText, now, timeZone);
    if (when) return { what: cleanWhat(words.slice(j).join(" ")), when, whenText };
  }
  return null;
}

function cleanWhat(what: string) {
  const unquoted = what.replace(/^["“'](.*)["”']$/s, "$1");
  return unquoted.replace(/^to\s+/i, "").trim();
}
