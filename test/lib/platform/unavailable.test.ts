import { NeonDbError } from "@neondatabase/serverless";
import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { StorageTimeoutError } from "../../../lib/platform/storage";
import { isUnavailable } from "../../../lib/platform/unavailable";

const pg = (code: string, message = "pg") => Object.assign(new Error(message), { code });
const failedQuery = (cause: unknown) => new DrizzleQueryError("select 1", [], cause as Error);
const neonHttp = (message: string, code?: string) => Object.assign(new NeonDbError(message), { code });
const s3 = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe("isUnavailable: PostgreSQL or storage unavailable for now (503), or a fault of ours (500)", () => {
  it.each([
    ["PostgreSQL's connection exceptions (class 08)", failedQuery(pg("08006"))],
    [
      "PostgreSQL shutting down (57P01)",
      failedQuery(pg("57P01", "terminating connection due to administrator command")),
    ],
    ["PostgreSQL starting up (57P03)", failedQuery(pg("57P03"))],
    ["too many connections (53300)", failedQuery(pg("53300"))],
    ["a refused socket", new TypeError("fetch failed", { cause: pg("ECONNREFUSED") })],
    ["a reset socket", pg("ECONNRESET")],
    ["node-postgres' query timeout", failedQuery(new Error("Query read timeout"))],
    ["pg-pool's connect timeout", failedQuery(new Error("timeout exceeded when trying to connect"))],
    ["a connection that dropped", failedQuery(new Error("Connection terminated unexpectedly"))],
    ["S3 answering 500", s3("InternalError", 500)],
    ["S3 answering 503 SlowDown", s3("SlowDown", 503)],
    ["the SDK's request timeout", Object.assign(new Error("timed out"), { name: "TimeoutError" })],
    ["a storage body that stopped", new StorageTimeoutError("storage sent nothing for 1 ms")],
    ["workerd's fetch cut off", new Error("Network connection lost.")],
    ["the WebSocket's error event", failedQuery(new Event("error"))],
    ["neon()'s fetch refused", failedQuery(neonHttp("Error connecting to database: TypeError: fetch failed"))],
    [
      "neon()'s fetch timed out",
      failedQuery(neonHttp("Error connecting to database: TimeoutError: The operation was aborted due to timeout")),
    ],
    ["the SQL endpoint answering 502", failedQuery(neonHttp("Server error (HTTP status 502): bad gateway"))],
    ["the SQL endpoint answering 503", failedQuery(neonHttp("Server error (HTTP status 503): "))],
    ["PostgreSQL over HTTP shutting down (57P01)", failedQuery(neonHttp("terminating connection", "57P01"))],
  ])("unavailable: %s", (_, error) => {
    expect(isUnavailable(error)).toBe(true);
  });

  it.each([
    ["a unique violation", failedQuery(pg("23505"))],
    ["a missing database (a setting's fault)", failedQuery(pg("3D000"))],
    ["a syntax error", failedQuery(pg("42601"))],
    ["a syntax error over HTTP", failedQuery(neonHttp('syntax error at or near "selec"', "42601"))],
    ["the SQL endpoint answering 404", failedQuery(neonHttp("Server error (HTTP status 404): not found"))],
    ["S3 refusing access", s3("AccessDenied", 403)],
    ["a bug", new TypeError("Cannot read properties of undefined (reading 'id')")],
    ["a thrown string", "oops"],
    ["nothing", undefined],
  ])("a fault of ours: %s", (_, error) => {
    expect(isUnavailable(error)).toBe(false);
  });

  it("follows a cause chain that loops without hanging", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(isUnavailable(a)).toBe(false);
  });
});
