import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../../schema";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { make } = h;

/** A private project whose main succeeded with a job "build" holding an archive of `access`. */
async function privateRun(accessibility: "public" | "private" | "none" = "public") {
  const project = await make.project({ visibility: "private" });
  const pipeline = await make.pipeline(project, { ref: "main" });
  const { job } = await make.job(pipeline, { name: "build", status: "success" });
  await make.archive(job, smallZip(), { accessibility });
  await make.finishPipeline(pipeline, "success");
  const get = (headers: Record<string, string> = {}) =>
    h.fetch(h.url.refArtifacts(project, "main", "build"), { headers });
  return { project, get };
}

describe("who may download an archive by ref", () => {
  it.each([
    ["anonymous callers", async () => ({})],
    ["strangers", async () => h.as(await make.pat(await make.user()))],
  ])("answers %s of a private project 404 Project Not Found, also for a ref that does not exist", async (_, who) => {
    const { project, get } = await privateRun();
    const headers = await who();
    const res = await get(headers);
    expect(res.status).toBe(404);
    expect(await h.json(res)).toEqual({ message: "404 Project Not Found" });
    const guessed = await h.fetch(h.url.refArtifacts(project, "secret-branch", "build"), { headers });
    expect(guessed.status).toBe(404);
    expect(await h.json(guessed)).toEqual({ message: "404 Project Not Found" });
  });

  it("keeps a developer-only archive from a Reporter and gives it to a Developer", async () => {
    const { project, get } = await privateRun("private");
    const reporter = await make.memberWithToken(project, ACCESS_LEVELS.reporter);
    const developer = await make.memberWithToken(project, ACCESS_LEVELS.developer);
    const denied = await get(h.as(reporter.token));
    expect(denied.status).toBe(403);
    expect(await h.json(denied)).toEqual({ message: "403 Forbidden" });
    expect((await get(h.as(developer.token))).status).toBe(302);
  });

  it("refuses an access: none archive even to the project's owner", async () => {
    const { project, get } = await privateRun("none");
    const owner = await make.memberWithToken(project, ACCESS_LEVELS.owner);
    expect((await get(h.as(owner.token))).status).toBe(403);
  });
});
