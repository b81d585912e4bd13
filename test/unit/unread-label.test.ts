import { expect, test } from "bun:test";
import { UNREAD_COUNT_CAP, unreadLabel } from "../../lib/channels/unread-cap.ts";

test("an unread badge is exact below the cap and 99+ from it on", () => {
  expect([0, 1, UNREAD_COUNT_CAP - 1].map(unreadLabel)).toEqual(["0", "1", String(UNREAD_COUNT_CAP - 1)]);
  expect([UNREAD_COUNT_CAP, UNREAD_COUNT_CAP + 1, 100_000].map(unreadLabel)).toEqual(["99+", "99+", "99+"]);
});
