import { describe, expect, test } from "bun:test";
import { isKind } from "../../lib/errors.ts";
import { checkKey, sanitizeFilename, storageKey } from "../../lib/storage/keys.ts";

const refused = (key: string) => {
  try {
    checkKey(key);
  } catch (err) {
    return isKind(err, "invalid");
  }
  return false;
};

describe("storage keys", () => {
  test("follow the plan's community/channel/message/filename layout, with dm for DMs", () => {
    expect(storageKey({ communityId: "c1", channelId: "ch", messageId: "m", filename: "report.pdf" })).toBe(
      "c1/ch/m/report.pdf",
    );
    expect(storageKey({ communityId: null, channelId: "ch", messageId: "m", filename: "a.png" })).toBe(
      "dm/ch/m/a.png",
    );
  });

  test.each([
    "../etc/passwd",
    "a/../../b",
    "/etc/passwd",
    "a//b",
    "a/./b",
    "a\\..\\b",
    "a/b\u0000c",
    "a/\nb",
    "",
    "x".repeat(1025),
  ])("refuse %p, which could escape the store's root", (key) => {
    expect(refused(key)).toBe(true);
  });

  test("accept ordinary keys", () => {
    expect(checkKey("c/ch/m/file name (1).txt")).toBe("c/ch/m/file name (1).txt");
  });

  test("filenames lose directories, control characters and leading dots", () => {
    expect(sanitizeFilename("../../etc/passwd")).toBe("passwd");
    expect(sanitizeFilename("C:\\Users\\me\\evil.exe")).toBe("evil.exe");
    expect(sanitizeFilename(".bashrc")).toBe("bashrc");
    expect(sanitizeFilename("re\u0000port\r\n.pdf")).toBe("report.pdf");
    expect(sanitizeFilename('a"b<c>.txt')).toBe("a_b_c_.txt");
    expect(sanitizeFilename("..")).toBe("file");
    expect(sanitizeFilename("")).toBe("file");
  });

  test("long filenames are cut to 200 characters, keeping the extension", () => {
    const name = sanitizeFilename(`${"a".repeat(500)}.tar.gz`);
    expect(name.length).toBe(200);
    expect(name.endsWith(".gz")).toBe(true);
  });

  test("a sanitized filename always makes a valid key", () => {
    for (const name of ["../x", "/", "\\", "\u0001", ". .", "ok.txt"]) {
      expect(() =>
        checkKey(storageKey({ communityId: "c", channelId: "ch", messageId: "m", filename: name })),
      ).not.toThrow();
    }
  });
});
