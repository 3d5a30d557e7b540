import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../lib/platform/config";

const complete = {
  DATABASE_URL: "postgres://u:p@db.example/app",
  S3_ENDPOINT: "https://s3.example",
  S3_BUCKET: "artifacts",
  S3_ACCESS_KEY_ID: "id",
  S3_SECRET_ACCESS_KEY: "secret",
  ADMIN_TOKEN: "a-long-enough-admin-token",
};

function problem(source: Record<string, unknown>): string {
  try {
    parseConfig(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("parseConfig accepted it");
}

describe("parseConfig", () => {
  it("takes a complete configuration, with defaults for the rest", () => {
    const config = parseConfig(complete);
    expect(config.S3_REGION).toBe("us-east-1");
    expect(config.PRESIGN_EXPIRES_IN).toBe(300);
    expect(config.DATABASE_WS_PROXY).toBeUndefined();
    expect(parseConfig({ ...complete, PRESIGN_EXPIRES_IN: "60" }).PRESIGN_EXPIRES_IN).toBe(60);
  });

  it("names every missing or malformed setting; empty counts as missing", () => {
    const message = problem({ ...complete, DATABASE_URL: "", S3_BUCKET: "Bad_Bucket", ADMIN_TOKEN: "short" });
    expect(message).toContain("DATABASE_URL is not set");
    expect(message).toContain("S3_BUCKET: not a valid bucket name");
    expect(message).toContain("ADMIN_TOKEN: must be at least 16 characters");
    expect(problem({ ...complete, DATABASE_URL: "mysql://x/y" })).toContain("DATABASE_URL");
  });

  it.each(["abc", "0", "999999999"])("names a malformed PRESIGN_EXPIRES_IN: %s", (value) => {
    expect(problem({ ...complete, PRESIGN_EXPIRES_IN: value })).toContain("PRESIGN_EXPIRES_IN");
  });
});
