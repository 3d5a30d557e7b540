import { describe, expect, it } from "vitest";
import { ACCESS_LEVELS } from "../../schema/projects";
import { smallZip } from "../helpers/zips";
import { cliStack, SPAWNING } from "./stack";

// In the retention group of test/vitest.config.ts: `cleanup` sweeps the whole shared database.
const s = cliStack();
const json = <T = Record<string, unknown>>(text: string) => JSON.parse(text) as T;

/** A job with an archive that expires, and a Maintainer's token for its project. */
async function expiringJob() {
  const made = await s.make.jobWithArchive(smallZip(), {
    job: { status: "success" },
    archive: { expireAt: new Date(Date.now() + 3_600_000) },
  });
  const { token } = await s.make.memberWithToken(made.project, ACCESS_LEVELS.maintainer);
  const as = (args: string[]) =>
    s.cli([...args, "--url", s.url, "--token", token, "--project", made.project.full_path]);
  return { ...made, token, as };
}

describe("keep, delete, cleanup", SPAWNING, () => {
  it("keep: the job back, its artifacts no longer expiring", async () => {
    const { job, as } = await expiringJob();
    const ran = await as(["keep", "--job-id", String(job.id), "--json"]);
    expect(ran.code).toBe(0);
    expect(json(ran.out)).toMatchObject({ id: job.id, artifacts_expire_at: null });
  });

  it("delete --job-id: gone, and a download then exits 2; --all expires the project's; neither is a usage error", async () => {
    const { job, as } = await expiringJob();
    const ran = await as(["delete", "--job-id", String(job.id)]);
    expect([ran.code, ran.out]).toEqual([0, `job ${job.id}: artifacts deleted\n`]);
    const gone = await as(["download", "--job-id", String(job.id), "--output", "-"]);
    expect([gone.code, gone.stderr]).toEqual([2, "artifact-edge: 404 Not Found\n"]);
    const all = await as(["delete", "--all", "--json"]);
    expect([all.code, json(all.out)]).toEqual([0, { message: "202 Accepted" }]);
    const neither = await as(["delete"]);
    expect([neither.code, neither.stderr]).toEqual([1, "artifact-edge: say what to delete: --job-id or --all\n"]);
  });

  it("cleanup: one pass for the admin, with what it removed; 403 for anyone else", async () => {
    const ran = await s.admin(["cleanup", "--json"]);
    expect(ran.code).toBe(0);
    expect(json(ran.out)).toEqual({
      artifacts: expect.any(Number),
      bytes: expect.any(Number),
      objects: expect.any(Number),
    });
    const { token } = await expiringJob();
    const denied = await s.cli(["cleanup", "--url", s.url, "--token", token]);
    expect([denied.code, denied.stderr]).toEqual([2, "artifact-edge: 403 Forbidden\n"]);
  });
});
