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

  it("names a directory entry as Go's filepath.Base does, and never lets a name end the header", () => {
    expect(entryDisposition("dist/")).toBe('attachment; filename="dist"');
    expect(entryDisposition("a\r\nSet-Cookie: x\t\u0001")).toBe('attachment; filename="a  Set-Cookie: x\t "');
    // Workhorse's bytes on the wire: UTF-8, which workerd writes from any string and Node
    // writes from a byte string of one character per byte.
    expect(entryDisposition("d/✓", true)).toBe('attachment; filename="✓"');
    expect(entryDisposition("d/✓", false)).toBe('attachment; filename="\u00e2\u009c\u0093"');
    expect(entryDisposition("a\nb", true)).toBe('attachment; filename="a b"');
  });
});
