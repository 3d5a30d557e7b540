import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { CleanupResult } from "../../../lib/retention/cleanup";
import { jobArtifacts } from "../../../schema";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { make, url } = h;
const cleanup = (headers: Record<string, string> = {}) => h.fetch(url.cleanup(), { method: "POST", headers });

describe("POST /api/v4/admin/artifacts/cleanup", () => {
  it("runs one pass for an admin and answers what it removed", async () => {
    const admin = h.as(await make.pat(await make.user({ admin: true })));
    // This file runs alone in the "retention" group (test/vitest.config.ts): once a first pass
    // has taken what earlier files left expired, the second one finds only ours.
    expect((await cleanup(admin)).status).toBe(200);
    const project = await make.project({ keep_latest_artifact: false });
    const { job } = await make.job(await make.pipeline(project));
    const stored = await make.archive(job, smallZip(), { expireAt: new Date(Date.now() - 1000) });
    const res = await cleanup(admin);
    expect(res.status).toBe(200);
    expect(await h.json<CleanupResult>(res)).toEqual({ artifacts: 1, bytes: stored.size, objects: 1 });
    expect(await h.exists(stored.key)).toBe(false);
    expect(await h.db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, job.id))).toEqual([]);
  });

  it("is for admins only", async () => {
    const someone = h.as(await make.pat(await make.user()));
    expect((await cleanup(someone)).status).toBe(403);
    expect((await cleanup()).status).toBe(401);
  });
});
