import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { body } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";
import { fetch, make } from "./fixtures";

async function privateFile(accessibility: "public" | "private" | "none" = "public") {
  const project = await make.project({ visibility: "private" });
  const { job } = await make.job(await make.pipeline(project));
  await make.archive(job, smallZip({ "secret.txt": "secret" }), { accessibility });
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/${path}`, { headers });
  return { project, get };
}

describe("who may read one file by job id", () => {
  it("answers anonymous callers of a private project 404 Project Not Found, whether the file exists or not", async () => {
    const { get } = await privateFile();
    for (const path of ["secret.txt", "missing.txt", "bad%00path"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await body(res)).toEqual({ message: "404 Project Not Found" });
    }
  });

  it("keeps files of a developer-only archive from Reporters", async () => {
    const { project, get } = await privateFile("private");
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter);
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    expect((await get("secret.txt", { "PRIVATE-TOKEN": reporter.token })).status).toBe(403);
    const res = await get("secret.txt", { "PRIVATE-TOKEN": developer.token });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("secret");
  });

  it("refuses files of an access: none archive to everyone", async () => {
    const { project, get } = await privateFile("none");
    const owner = await make.memberWithToken(project, ACCESS_LEVELS.owner);
    expect((await get("secret.txt", { "PRIVATE-TOKEN": owner.token })).status).toBe(403);
  });

  it("serves HTML by its extension but only as an attachment", async () => {
    const project = await make.project({ visibility: "public" });
    const { job } = await make.job(await make.pipeline(project));
    await make.archive(job, smallZip({ "x.html": "<script>alert(1)</script>" }));
    const res = await fetch(`/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/x.html`);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="x.html"');
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
