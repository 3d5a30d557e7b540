import { describe, expect, it } from "vitest";
import { parseRange } from "../../../lib/downloads/entry";

// Found by `npm run fuzz` (test/fuzz/range.fuzz.ts, against an RFC 9110 model).
describe("parseRange", () => {
  it.each(["bytes=0-4\u00a0", "\u000bbytes=0-4", "bytes=0-4\u000c", "\u3000bytes=0-4"])(
    "a value with whitespace HTTP does not strip is not a range: the file is answered whole (%j)",
    (header) => {
      expect(parseRange(header, 10)).toEqual({ kind: "none" });
    },
  );

  it("a last position below the first is an invalid header, ignored, even past 2^53", () => {
    expect(parseRange("bytes=9007199254740993-9007199254740992", 10)).toEqual({ kind: "none" });
  });
});
