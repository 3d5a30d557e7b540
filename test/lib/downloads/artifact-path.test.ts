import { describe, expect, it } from "vitest";
import { decodeArtifactPath, entryDisposition } from "../../../lib/downloads/artifact-path";
import { ApiError } from "../../../lib/errors";

describe("decodeArtifactPath", () => {
  it("percent-decodes without normalising", () => {
    expect(decodeArtifactPath("dir/a%20b%23c.txt").text).toBe("dir/a b#c.txt");
    expect(decodeArtifactPath("..%2Fx").text).toBe("../x");
    expect(decodeArtifactPath("%2Fabs//x/").text).toBe("/abs//x/");
    expect(decodeArtifactPath("a+b").text).toBe("a+b");
    expect(decodeArtifactPath("%E2%9C%93").bytes).toEqual(Uint8Array.of(0xe2, 0x9c, 0x93));
  });

  it.each(["a%00", "%FF", "%C3%28"])("refuses NUL and invalid UTF-8 with GitLab's 400: %s", (raw) => {
    let caught: unknown;
    try {
      decodeArtifactPath(raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toBe(400);
    expect((caught as ApiError).body).toEqual({ message: "400 Bad request" });
  });
});

describe("entryDisposition", () => {
  it("names the last path segment with quotes and backslashes escaped", () => {
    expect(entryDisposition("a/b/report.html")).toBe('attachment; filename="report.html"');
    expect(entryDisposition('x/say "hi"\\.txt')).toBe('attachment; filename="say \\"hi\\"\\\\.txt"');
  });

  // Found by `npm run fuzz` (test/fuzz/artifact-path.fuzz.ts): `✓.txt` was a 500 (Headers refused it).
  it.each([
    ["dist/✓.txt", "attachment; filename=\"_.txt\"; filename*=UTF-8''%E2%9C%93.txt"],
    ["é (1)'s.txt", "attachment; filename=\"_ (1)'s.txt\"; filename*=UTF-8''%C3%A9%20%281%29%27s.txt"],
    ['x/"tab\there".txt', 'attachment; filename="\\"tab_here\\".txt"; filename*=UTF-8\'\'%22tab%09here%22.txt'],
  ])("names outside printable ASCII get an ASCII stand-in and RFC 8187's filename*: %s", (path, header) => {
    expect(entryDisposition(path)).toBe(header);
    expect(new Headers({ "content-disposition": entryDisposition(path) }).get("content-disposition")).toBe(header);
  });
});
