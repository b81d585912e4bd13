import { expect, test } from "bun:test";
import { instanceOrder, restInstance } from "../../lib/http/upstream-pool.ts";

test("instances are taken in turn, each request starting at the next", () => {
  const pool = ["http://a", "http://b", "http://c"];
  expect(instanceOrder(pool)).toEqual(["http://a", "http://b", "http://c"]);
  expect(instanceOrder(pool)).toEqual(["http://b", "http://c", "http://a"]);
  expect(instanceOrder(pool)).toEqual(["http://c", "http://a", "http://b"]);
  expect(instanceOrder(pool)[0]).toBe("http://a");
});

test("an instance that refused a connection is tried last, not dropped", () => {
  const pool = ["http://resting-1", "http://up-1"];
  restInstance("http://resting-1");
  expect(instanceOrder(pool)).toEqual(["http://up-1", "http://resting-1"]);
  expect(instanceOrder(pool)).toEqual(["http://up-1", "http://resting-1"]);
});

test("a single URL is the whole pool", () => {
  expect(instanceOrder("http://only")).toEqual(["http://only"]);
});
