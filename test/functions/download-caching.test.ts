import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../schema";
import { factories } from "../helpers/factories";
import { harness } from "../helpers/harness";
import { smallZip } from "../helpers/zips";

const { fetch, db, storage } = harness();
const make = factories(db, storage);

async function project(visibility: "public" | "private") {
  const created = await make.project({ visibility });
  const pipeline = await make.pipeline(created, { ref: "main" });
  const { job } = await make.job(pipeline, { name: "build", status: "success" });
  await make.archive(job, smallZip({ "a.txt": "a" }));
  await make.finishPipeline(pipeline, "success");
  const base = `/api/v4/projects/${created.id}/jobs`;
  const urls = {
    archive: `${base}/${job.id}/artifacts`,
    latest: `${base}/artifacts/main/download?job=build`,
    file: `${base}/${job.id}/artifacts/a.txt`,
    latestFile: `${base}/artifacts/main/raw/a.txt?job=build`,
  };
  return { project: created, urls };
}

describe("caching of downloads", () => {
  it("lets shared caches keep what anyone may read: files by job id 5 minutes, the rest 1 minute", async () => {
    const { urls } = await project("public");
    const expected = {
      archive: "public, max-age=60",
      latest: "public, max-age=60",
      file: "public, max-age=300",
      latestFile: "public, max-age=60",
    };
    for (const [kind, url] of Object.entries(urls)) {
      const res = await fetch(url);
      expect(res.status, kind).toBeLessThan(400);
      expect(res.headers.get("cache-control"), kind).toBe(expected[kind as keyof typeof expected]);
    }
  });

  it("keeps every answer to a credential private, even for a public project", async () => {
    const { project: pub, urls } = await project("public");
    const member = await make.memberWithToken(pub, ACCESS_LEVELS.reporter);
    for (const url of Object.values(urls)) {
      const res = await fetch(url, { headers: { "PRIVATE-TOKEN": member.token } });
      expect(res.headers.get("cache-control")).toBe("max-age=0, private, must-revalidate");
    }
  });

  it("keeps a private project's answers private", async () => {
    const { project: secret, urls } = await project("private");
    const member = await make.memberWithToken(secret, ACCESS_LEVELS.developer);
    for (const url of Object.values(urls)) {
      const res = await fetch(url, { headers: { "PRIVATE-TOKEN": member.token } });
      expect(res.status).toBeLessThan(400);
      expect(res.headers.get("cache-control")).not.toContain("public");
    }
  });
});
