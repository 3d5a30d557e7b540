import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, presignWindow } from "../../../lib/platform/config";

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

  it("takes DATABASE_HTTP_PROXY as an http(s) URL, unset for Neon's own endpoint", () => {
    expect(parseConfig(complete).DATABASE_HTTP_PROXY).toBeUndefined();
    const url = "http://127.0.0.1:4444/sql";
    expect(parseConfig({ ...complete, DATABASE_HTTP_PROXY: url }).DATABASE_HTTP_PROXY).toBe(url);
    expect(problem({ ...complete, DATABASE_HTTP_PROXY: "127.0.0.1:4444/sql" })).toContain("DATABASE_HTTP_PROXY");
    expect(problem({ ...complete, DATABASE_HTTP_PROXY: "ws://127.0.0.1:4444/sql" })).toContain("DATABASE_HTTP_PROXY");
  });

  it.each(["abc", "0", "999999999"])("names a malformed PRESIGN_EXPIRES_IN: %s", (value) => {
    expect(problem({ ...complete, PRESIGN_EXPIRES_IN: value })).toContain("PRESIGN_EXPIRES_IN");
  });

  it("times out storage and PostgreSQL after STORAGE_TIMEOUT_MS and DATABASE_TIMEOUT_MS, 15 s unless set", () => {
    expect(parseConfig(complete)).toMatchObject({ STORAGE_TIMEOUT_MS: 15_000, DATABASE_TIMEOUT_MS: 15_000 });
    const set = parseConfig({ ...complete, STORAGE_TIMEOUT_MS: "250", DATABASE_TIMEOUT_MS: "2000" });
    expect(set).toMatchObject({ STORAGE_TIMEOUT_MS: 250, DATABASE_TIMEOUT_MS: 2000 });
  });

  it.each(["abc", "0", "1.5", "600001"])("names a malformed timeout: %s", (value) => {
    expect(problem({ ...complete, STORAGE_TIMEOUT_MS: value, DATABASE_TIMEOUT_MS: value })).toMatch(
      /STORAGE_TIMEOUT_MS.*DATABASE_TIMEOUT_MS/,
    );
  });
});

describe("PRESIGN_WINDOW", () => {
  it("is a minute by default, less than half of a short PRESIGN_EXPIRES_IN, or as set", () => {
    expect(presignWindow(parseConfig(complete))).toBe(60);
    expect(presignWindow(parseConfig({ ...complete, PRESIGN_EXPIRES_IN: "60" }))).toBe(30);
    expect(presignWindow(parseConfig({ ...complete, PRESIGN_EXPIRES_IN: "1" }))).toBe(0);
    expect(presignWindow(parseConfig({ ...complete, PRESIGN_EXPIRES_IN: "3600", PRESIGN_WINDOW: "900" }))).toBe(900);
    expect(presignWindow(parseConfig({ ...complete, PRESIGN_WINDOW: "0" }))).toBe(0);
  });

  it.each(["300", "301", "-1", "1.5", "abc"])(
    "is named when not a whole number below PRESIGN_EXPIRES_IN: %s",
    (value) => {
      expect(problem({ ...complete, PRESIGN_EXPIRES_IN: "300", PRESIGN_WINDOW: value })).toContain("PRESIGN_WINDOW");
    },
  );
});
