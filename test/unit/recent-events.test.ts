import { describe, expect, test } from "bun:test";
import { envelope } from "../../lib/bus/envelope.ts";
import type { BusMessage } from "../../lib/bus/event-bus.ts";
import { recentEvents } from "../../lib/bus/recent-events.ts";

const on = (subject: string, seq: number): BusMessage => ({
  subject,
  seq,
  event: envelope("message.created", { data: { seq } }),
});
const seqsOf = (replay: ReturnType<ReturnType<typeof recentEvents>["after"]>) =>
  replay && !replay.gap ? replay.messages.map((m) => m.seq) : replay;

describe("the events a process received last", () => {
  test("answer a resume from anywhere inside them, on the pattern asked, in order", () => {
    const recent = recentEvents(100);
    for (let seq = 10; seq <= 14; seq++) recent.add(seq, on(seq % 2 ? "chat.dm.a" : "chat.events.c", seq));
    expect(seqsOf(recent.after("chat.>", 9, 1000))).toEqual([10, 11, 12, 13, 14]);
    expect(seqsOf(recent.after("chat.events.>", 11, 1000))).toEqual([12, 14]);
    expect(seqsOf(recent.after("chat.>", 14, 1000))).toEqual([]);
  });

  test("leave to the stream what is older than the oldest or newer than the newest received", () => {
    const recent = recentEvents(100);
    expect(recent.after("chat.>", 0, 1000)).toBeUndefined();
    for (let seq = 10; seq <= 12; seq++) recent.add(seq, on("chat.events.c", seq));
    expect(recent.after("chat.>", 8, 1000)).toBeUndefined();
    expect(recent.after("chat.>", 13, 1000)).toBeUndefined();
  });

  test("are a gap past the limit, counting every subject", () => {
    const recent = recentEvents(100);
    for (let seq = 1; seq <= 5; seq++) recent.add(seq, on(seq === 5 ? "chat.events.c" : "chat.dm.a", seq));
    expect(recent.after("chat.events.>", 0, 4)).toEqual({ gap: true });
    expect(seqsOf(recent.after("chat.events.>", 0, 5))).toEqual([5]);
  });

  test("start again after a seq out of turn, never papering over a hole", () => {
    const recent = recentEvents(100);
    for (const seq of [1, 2, 3, 7, 8]) recent.add(seq, on("chat.events.c", seq));
    expect(recent.after("chat.>", 2, 1000)).toBeUndefined();
    expect(seqsOf(recent.after("chat.>", 6, 1000))).toEqual([7, 8]);
  });

  test("count an event that could not be read, and give it to nobody", () => {
    const recent = recentEvents(100);
    recent.add(1, on("chat.events.c", 1));
    recent.add(2, null);
    recent.add(3, on("chat.events.c", 3));
    expect(seqsOf(recent.after("chat.>", 0, 1000))).toEqual([1, 3]);
  });

  test("keep at least their capacity, dropping the oldest, and nothing once cleared", () => {
    const recent = recentEvents(10);
    for (let seq = 1; seq <= 25; seq++) recent.add(seq, on("chat.events.c", seq));
    const kept = seqsOf(recent.after("chat.>", 15, 1000));
    expect(kept).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(recent.after("chat.>", 0, 1000)).toBeUndefined();
    recent.clear();
    expect(recent.after("chat.>", 20, 1000)).toBeUndefined();
  });
});
