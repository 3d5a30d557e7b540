import { describe, expect, it } from "vitest";
import { compositeStatus, type JobState } from "../../../lib/ci/pipeline-status";

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
