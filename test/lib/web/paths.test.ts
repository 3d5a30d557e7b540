import { describe, expect, it } from "vitest";
import { demoBanner } from "../../../lib/local/seed";
import { humanSize, jobArtifactsPath, refCandidates } from "../../../lib/web/paths";

describe("the web routes' paths", () => {
  it("cuts ref_name_and_path before each action segment, the longest ref first", () => {
    expect(refCandidates("main/raw/coverage/badge.svg")).toEqual([
      { ref: "main", action: "raw", path: "coverage/badge.svg" },
    ]);
    expect(refCandidates("feature/raw/x/raw/file/raw/a.txt").map((c) => c.ref)).toEqual([
      "feature/raw/x/raw/file",
      "feature/raw/x/raw",
      "feature/raw/x",
      "feature",
    ]);
    expect(refCandidates("feature%2Fx/browse")).toEqual([{ ref: "feature/x", action: "browse", path: "" }]);
    // download takes no path; raw and file need one; nothing before the action is no ref.
    expect(refCandidates("main/download/x")).toEqual([]);
    expect(refCandidates("main/raw")).toEqual([]);
    expect(refCandidates("download")).toEqual([]);
  });

  it("encodes each segment of the links, and prints sizes as people read them", () => {
    expect(jobArtifactsPath("g/sub/p", 7, "file", "a #1?/b%.txt")).toBe(
      "/g/sub/p/-/jobs/7/artifacts/file/a%20%231%3F/b%25.txt",
    );
    expect(jobArtifactsPath("g/p", 7, "download")).toBe("/g/p/-/jobs/7/artifacts/download");
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 3].map(humanSize)).toEqual([
      "0 B",
      "1023 B",
      "1.0 KiB",
      "1.5 KiB",
      "5.0 GiB",
    ]);
  });

  it("prints the artifact browser's URL in the demo banner", () => {
    const demo = {
      maintainerToken: "t",
      publicProject: { id: 1, path: "demo/app" },
      privateProject: { id: 2, path: "demo/private-app" },
      jobs: { build: 1, test: 2, docs: 3, privateBuild: 4 },
    };
    expect(demoBanner("http://localhost:8787", demo)).toContain(
      "http://localhost:8787/demo/app/-/jobs/artifacts/main/browse?job=build",
    );
  });
});
