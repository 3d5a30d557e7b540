import { describe, expect, it } from "vitest";
import { compositeStatus, type JobState } from "../../lib/ci/pipeline-status";
import { parseExpireIn } from "../../lib/ingest/expire-in";

const job = (status: JobState["status"], allowFailure = false): JobState => ({ status, allowFailure });

describe("compositeStatus (GitLab's Ci::Status::Composite)", () => {
  it("is success when every job succeeded, or failed with allow_failure", () => {
    expect(compositeStatus([job("success"), job("success")])).toBe("success");
    expect(compositeStatus([job("success"), job("failed", true)])).toBe("success");
    expect(compositeStatus([job("success"), job("skipped")])).toBe("success");
  });

  it("is running while any job runs or waits beside finished ones", () => {
    expect(compositeStatus([job("success"), job("running")])).toBe("running");
    expect(compositeStatus([job("failed"), job("pending")])).toBe("running");
    expect(compositeStatus([job("success"), job("created")])).toBe("running");
  });

  it("is failed once nothing runs and a job failed that may not fail", () => {
    expect(compositeStatus([job("success"), job("failed")])).toBe("failed");
    expect(compositeStatus([job("failed"), job("canceled")])).toBe("failed");
  });

  it("names the quiet states: created, pending, canceled, skipped, manual", () => {
    expect(compositeStatus([])).toBe("created");
    expect(compositeStatus([job("created")])).toBe("created");
    expect(compositeStatus([job("pending"), job("created")])).toBe("pending");
    expect(compositeStatus([job("canceled"), job("success")])).toBe("canceled");
    expect(compositeStatus([job("skipped")])).toBe("skipped");
    expect(compositeStatus([job("manual"), job("success")])).toBe("manual");
    expect(compositeStatus([job("canceling"), job("success")])).toBe("canceling");
  });
});

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
