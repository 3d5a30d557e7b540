import { describe, expect, it } from "vitest";
import { parseExpireIn } from "../../../lib/ingest/expire-in";

describe("parseExpireIn (artifacts' expire_in)", () => {
  it("reads the durations GitLab Runner sends", () => {
    expect(parseExpireIn("30 days")).toBe(30 * 86_400);
    expect(parseExpireIn("1 week")).toBe(7 * 86_400);
    expect(parseExpireIn("2h 20min")).toBe(2 * 3600 + 20 * 60);
    expect(parseExpireIn("3 hrs")).toBe(3 * 3600);
    expect(parseExpireIn("1 day and 2 hours")).toBe(86_400 + 7200);
    expect(parseExpireIn("3600")).toBe(3600);
    expect(parseExpireIn("1 month")).toBe(30 * 86_400);
    expect(parseExpireIn("1 year")).toBe(365 * 86_400);
  });

  it("reads never as no expiry, and anything else as not a duration", () => {
    expect(parseExpireIn("never")).toBeNull();
    expect(parseExpireIn("Never")).toBeNull();
    expect(parseExpireIn("soon")).toBeUndefined();
    expect(parseExpireIn("5 parsecs")).toBeUndefined();
    expect(parseExpireIn("3 days!")).toBeUndefined();
    expect(parseExpireIn("")).toBeUndefined();
  });
});
