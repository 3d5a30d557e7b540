import { describe, expect, it } from "vitest";
import { ConfigError, nodeSchema, parseSettings } from "../../../lib/platform/config";

const parse = (source: Record<string, string>) => parseSettings(nodeSchema, source);

describe("the Node entry's own settings", () => {
  it("defaults to port 8787, a cleanup every 420 seconds and 64 MiB of edge cache; an empty value counts as unset", () => {
    const defaults = { PORT: 8787, CLEANUP_INTERVAL: 420, EDGE_CACHE_BYTES: 64 * 1024 * 1024 };
    expect(parse({})).toEqual(defaults);
    expect(parse({ PORT: "", CLEANUP_INTERVAL: "", EDGE_CACHE_BYTES: "" })).toEqual(defaults);
    expect(parse({ PORT: "9000", CLEANUP_INTERVAL: "60", EDGE_CACHE_BYTES: "0" })).toEqual({
      PORT: 9000,
      CLEANUP_INTERVAL: 60,
      EDGE_CACHE_BYTES: 0,
    });
  });

  it.each([
    ["CLEANUP_INTERVAL", "abc", "CLEANUP_INTERVAL: must be a whole number of seconds from 1 to 2147483"],
    ["CLEANUP_INTERVAL", "0", "CLEANUP_INTERVAL: must be a whole number of seconds from 1 to 2147483"],
    ["CLEANUP_INTERVAL", "1.5", "CLEANUP_INTERVAL: must be a whole number of seconds from 1 to 2147483"],
    ["CLEANUP_INTERVAL", "2147484", "CLEANUP_INTERVAL: must be a whole number of seconds from 1 to 2147483"],
    ["EDGE_CACHE_BYTES", "-1", "EDGE_CACHE_BYTES: must be a whole number of bytes from 0 to 1073741824"],
    ["EDGE_CACHE_BYTES", "64MiB", "EDGE_CACHE_BYTES: must be a whole number of bytes from 0 to 1073741824"],
    ["EDGE_CACHE_BYTES", "1073741825", "EDGE_CACHE_BYTES: must be a whole number of bytes from 0 to 1073741824"],
    ["PORT", "http", "PORT: must be a port number"],
    ["PORT", "65536", "PORT: must be a port number"],
    ["PORT", "0", "PORT: must be a port number"],
  ])("%s=%s is refused, naming the setting", (name, value, message) => {
    expect(() => parse({ [name]: value })).toThrow(new ConfigError(`invalid configuration: ${message}`));
  });
});
