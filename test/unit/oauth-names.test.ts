import { expect, test } from "bun:test";
import { normalizeUserCode } from "../../lib/auth/device-flow.ts";
import { usernameSeed } from "../../lib/auth/oauth-login.ts";

test("a provider's login becomes a valid username", () => {
  expect(usernameSeed("Octo.Cat")).toBe("octo.cat");
  expect(usernameSeed("Zoë Ångström")).toBe("zoe-angstrom");
  expect(usernameSeed("__bot__")).toBe("bot__");
  expect(usernameSeed("jane@example.com")).toBe("jane-example.com");
  expect(usernameSeed("日本")).toBe("user");
  expect(usernameSeed("a".repeat(40))).toHaveLength(32);
});

test("a typed user code is found however it is spaced or cased, and nothing else passes", () => {
  expect(normalizeUserCode("wdjb mjht")).toBe("WDJB-MJHT");
  expect(normalizeUserCode("WDJBMJHT")).toBe("WDJB-MJHT");
  expect(normalizeUserCode("WDJB-MJHA")).toBeNull(); // a vowel is never in a code
  expect(normalizeUserCode("WDJB-MJH")).toBeNull();
});
