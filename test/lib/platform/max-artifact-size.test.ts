import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../lib/platform/config";

const complete = {
  DATABASE_URL: "postgres://u:p@db.example/app",
  S3_BUCKET: "artifacts",
  S3_ACCESS_KEY_ID: "id",
  S3_SECRET_ACCESS_KEY: "secret",
  ADMIN_TOKEN: "a-long-enough-admin-token",
};

describe("MAX_ARTIFACT_SIZE", () => {
  it("is GitLab's 100 MB unless set, and takes any whole number of bytes up to 5 GiB", () => {
    expect(parseConfig(complete).MAX_ARTIFACT_SIZE).toBe(104_857_600);
    expect(parseConfig({ ...complete, MAX_ARTIFACT_SIZE: "" }).MAX_ARTIFACT_SIZE).toBe(104_857_600);
    expect(parseConfig({ ...complete, MAX_ARTIFACT_SIZE: "1" }).MAX_ARTIFACT_SIZE).toBe(1);
    expect(parseConfig({ ...complete, MAX_ARTIFACT_SIZE: "5368709120" }).MAX_ARTIFACT_SIZE).toBe(5 * 1024 ** 3);
  });

  it.each(["abc", "0", "-5", "1.5", "5368709121"])("names a malformed value at start-up: %s", (value) => {
    expect(() => parseConfig({ ...complete, MAX_ARTIFACT_SIZE: value })).toThrow(
      new ConfigError("invalid configuration: MAX_ARTIFACT_SIZE: must be a whole number of bytes from 1 to 5368709120"),
    );
  });
});
