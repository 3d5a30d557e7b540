import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { causeChain, jsonLogger, type LogRecord, logWith, MAX_RECORD_CHARS } from "../../../lib/platform/log";

describe("causeChain", () => {
  it("keeps Drizzle's failure but not its statement or parameters, and PostgreSQL's code and message", () => {
    const pg = Object.assign(new Error('relation "jobs" does not exist'), { code: "42P01" });
    const failed = new DrizzleQueryError("select * from jobs where token_digest = $1", ["d1g3st"], pg);
    expect(causeChain(failed)).toEqual([
      { name: "DrizzleQueryError", message: "Failed query" },
      { name: "Error", message: 'relation "jobs" does not exist', code: "42P01" },
    ]);
  });

  it("writes a presigned URL without its signature and a GitLab token without its secret", () => {
    const leak = new Error(
      "GET https://s3.example/bucket/key.zip?X-Amz-Signature=abc&X-Amz-Credential=id failed for glpat-s3cr3t_-x",
    );
    expect(causeChain(leak)).toEqual([
      { name: "Error", message: "GET https://s3.example/bucket/key.zip?[redacted] failed for glpat-[redacted]" },
    ]);
  });

  it("names an S3 error by its code and HTTP status, and stops after six links", () => {
    const s3 = Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    expect(causeChain(s3)).toEqual([{ name: "AccessDenied", message: "Access Denied", status: 403 }]);
    let deep: Error = new Error("root");
    for (let i = 0; i < 10; i++) deep = new Error(`wrap ${i}`, { cause: deep });
    expect(causeChain(deep)).toHaveLength(6);
  });
  it("names a WebSocket's ErrorEvent (the Neon driver's rejection on Workers) by its class and message", () => {
    class ErrorEvent extends Event {
      constructor(readonly message: string) {
        super("error");
      }
    }
    const failed = new DrizzleQueryError(
      "select 1",
      [],
      new ErrorEvent("Network connection lost.") as unknown as Error,
    );
    expect(causeChain(failed)).toEqual([
      { name: "DrizzleQueryError", message: "Failed query" },
      { name: "ErrorEvent", message: "Network connection lost." },
    ]);
  });
});

describe("jsonLogger and logWith", () => {
  it("binds fields to every record and turns errors into their cause chain", () => {
    const records: LogRecord[] = [];
    const log = logWith(
      jsonLogger((record) => records.push(record)),
      { requestId: "r-1" },
    );
    log.error("failed", {
      cause: new Error("boom", { cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }) }),
    });
    log.info("counted", { deleted: 3n });
    expect(records).toEqual([
      {
        level: "error",
        message: "failed",
        requestId: "r-1",
        cause: [
          { name: "Error", message: "boom" },
          { name: "Error", message: "refused", code: "ECONNREFUSED" },
        ],
      },
      { level: "info", message: "counted", requestId: "r-1", deleted: "3" },
    ]);
    expect(() => JSON.stringify(records)).not.toThrow();
  });

  it("bounds a record to MAX_RECORD_CHARS, keeping its level, message and small fields", () => {
    const records: LogRecord[] = [];
    const log = jsonLogger((record) => records.push(record));
    log.error("x".repeat(20_000), { requestId: "r-2", body: "y".repeat(50_000) });
    expect(records).toEqual([
      { level: "error", message: "x".repeat(300), requestId: "r-2", body: "[50002 chars omitted]", truncated: 70_058 },
    ]);
    const many: Record<string, string> = {};
    for (let i = 0; i < 2_000; i++) many[`field${i}`] = "z".repeat(100);
    log.info("many", many);
    expect(records[1]).toEqual({
      level: "info",
      message: "many",
      truncated: JSON.stringify({ level: "info", message: "many", ...many }).length,
    });
    for (const record of records) expect(JSON.stringify(record).length).toBeLessThanOrEqual(MAX_RECORD_CHARS);
  });

  it("writes a record under the bound unchanged", () => {
    const records: LogRecord[] = [];
    jsonLogger((record) => records.push(record)).info("fine", { detail: "d".repeat(7_000) });
    expect(records).toEqual([{ level: "info", message: "fine", detail: "d".repeat(7_000) }]);
  });
});
