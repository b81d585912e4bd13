import { describe, expect, test } from "bun:test";
import { localPath } from "../../lib/http/local-path.ts";
import { landsOffsite, local, offsite } from "../support/redirect-corpus.ts";

describe("localPath", () => {
  test("every address that a browser would take off this server becomes /", () => {
    for (const next of offsite) expect({ next, kept: localPath(next) }).toEqual({ next, kept: "/" });
  });

  test("a path on this server is kept as the browser would resolve it, and resolves here again", () => {
    for (const [next, kept] of local) {
      expect({ next, kept: localPath(next) }).toEqual({ next, kept });
      expect(landsOffsite(localPath(next))).toBe(false);
    }
  });

  test("nothing, and control characters, become /", () => {
    for (const next of [null, undefined, "", "/ok\r\nSet-Cookie: x=1", "/\u0000x"]) {
      expect(localPath(next)).toBe("/");
    }
  });
});
