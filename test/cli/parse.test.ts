import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { messageOf } from "../../lib/cli/errors";
import { ACCESS_LEVELS, accessLevel, id, list } from "../../lib/cli/parse";
import { formatBytes } from "../../lib/cli/progress";
import { ACCESS_LEVELS as SCHEMA_ACCESS_LEVELS } from "../../schema/projects";

describe("the command line's parsing, in process", () => {
  it("knows GitLab's roles as the schema does, by name (any case) or number", () => {
    expect(ACCESS_LEVELS).toEqual(SCHEMA_ACCESS_LEVELS);
    expect([accessLevel("Developer"), accessLevel("40")]).toEqual([30, 40]);
    expect(() => accessLevel("35")).toThrow(InvalidArgumentError);
  });

  it("takes ids as positive whole numbers only", () => {
    expect(id("42")).toBe(42);
    for (const bad of ["0", "-1", "1.5", "x", "99999999999999999999"])
      expect(() => id(bad), bad).toThrow(InvalidArgumentError);
    expect(list(" api, read_api ,")).toEqual(["api", "read_api"]);
  });

  it("finds GitLab's message in each error surface", () => {
    expect(messageOf(404, '{"message":"404 Project Not Found"}')).toBe("404 Project Not Found");
    expect(messageOf(400, '{"error":"job is missing"}')).toBe("job is missing");
    expect(messageOf(400, '{"message":{"path":["has already been taken"]}}')).toBe("path has already been taken");
    expect(messageOf(400, '{"message":{"a":["x","y"],"b":["z"]}}')).toBe("a x, y; b z");
    expect(messageOf(401, '{"error":"invalid_token","error_description":"Token was revoked."}')).toBe(
      "Token was revoked.",
    );
    expect(messageOf(404, "404 page not found\n")).toBe("404 page not found");
    expect(messageOf(502, "")).toBe("HTTP 502");
  });

  it("writes sizes in binary units", () => {
    expect([formatBytes(0), formatBytes(1023), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual([
      "0 B",
      "1023 B",
      "1.5 KiB",
      "5.0 GiB",
    ]);
  });
});
