import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { body } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";
import { fetch, make } from "./fixtures";

/** A private project whose main succeeded with a job "build" holding an archive of `access`. */
async function privateRun(accessibility: "public" | "private" | "none" = "public") {
  const project = await make.project({ visibility: "private" });
  const pipeline = await make.pipeline(project, { ref: "main" });
  const { job } = await make.job(pipeline, { name: "build", status: "success" });
  await make.archive(job, smallZip(), { accessibility });
  await make.finishPipeline(pipeline, "success");
  const get = (headers: Record<string, string> = {}) =>
    fetch(`/api/v4/projects/${project.id}/jobs/artifacts/main/download?job=build`, { headers });
  return { project, get };
}

describe("who may download an archive by ref", () => {
  it("answers anonymous callers and strangers of a private project 404 Project Not Found, also for a ref that does not exist", async () => {
    const { project, get } = await privateRun();
    const stranger = { "PRIVATE-TOKEN": await make.pat(await make.user()) };
    for (const res of [await get(), await get(stranger)]) {
      expect(res.status).toBe(404);
      expect(await body(res)).toEqual({ message: "404 Project Not Found" });
    }
    const guessed = await fetch(`/api/v4/projects/${project.id}/jobs/artifacts/secret-branch/download?job=build`);
    expect(await body(guessed)).toEqual({ message: "404 Project Not Found" });
  });

  it("keeps a developer-only archive from a Reporter and gives it to a Developer", async () => {
    const { project, get } = await privateRun("private");
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter);
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const denied = await get({ "PRIVATE-TOKEN": reporter.token });
    expect(denied.status).toBe(403);
    expect(await body(denied)).toEqual({ message: "403 Forbidden" });
    expect((await get({ "PRIVATE-TOKEN": developer.token })).status).toBe(302);
  });

  it("refuses an access: none archive even to the project's owner", async () => {
    const { project, get } = await privateRun("none");
    const owner = await make.memberWithToken(project, ACCESS_LEVELS.owner);
    expect((await get({ "PRIVATE-TOKEN": owner.token })).status).toBe(403);
  });
});
