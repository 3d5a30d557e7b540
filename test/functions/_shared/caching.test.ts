import { beforeAll, describe, expect, it } from "vitest";
import { ACCESS_LEVELS, type Project } from "../../../schema";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

const h = harness();
const { make, url } = h;

/** The four download routes: how to reach each, and what a permitted request gets. */
const KINDS = [
  { kind: "archive", ok: 302, to: (p: Project, job: number) => url.jobArtifacts(p, job) },
  { kind: "latest", ok: 302, to: (p: Project) => url.refArtifacts(p, "main", "build") },
  { kind: "file", ok: 200, to: (p: Project, job: number) => url.jobArtifactFile(p, job, "a.txt") },
  { kind: "latestFile", ok: 200, to: (p: Project) => url.refArtifactFile(p, "main", "a.txt", "build") },
] as const;

const PRIVATE = "max-age=0, private, must-revalidate";

async function published(visibility: "public" | "private") {
  const project = await make.project({ visibility });
  const pipeline = await make.pipeline(project, { ref: "main" });
  const { job } = await make.job(pipeline, { name: "build", status: "success" });
  await make.archive(job, smallZip({ "a.txt": "a" }));
  await make.finishPipeline(pipeline, "success");
  return {
    project,
    get: (kind: (typeof KINDS)[number], headers: Record<string, string> = {}) =>
      h.fetch(kind.to(project, job.id), { headers }),
  };
}

let pub: Awaited<ReturnType<typeof published>>;
let secret: Awaited<ReturnType<typeof published>>;
let reporterOfPublic: string;
let developerOfPrivate: string;

beforeAll(async () => {
  pub = await published("public");
  secret = await published("private");
  reporterOfPublic = (await make.memberWithToken(pub.project, ACCESS_LEVELS.reporter)).token;
  developerOfPrivate = (await make.memberWithToken(secret.project, ACCESS_LEVELS.developer)).token;
});

describe("caching of downloads", () => {
  describe("lets shared caches keep what anyone may read: files by job id 5 minutes, the rest 1 minute", () => {
    const expected = {
      archive: "public, max-age=60",
      latest: "public, max-age=60",
      file: "public, max-age=300",
      latestFile: "public, max-age=60",
    };
    it.each(KINDS)("$kind", async (kind) => {
      const res = await pub.get(kind);
      expect(res.status).toBe(kind.ok);
      expect(res.headers.get("cache-control")).toBe(expected[kind.kind]);
    });
  });

  // Read at run time: the projects and tokens are made in beforeAll.
  describe.each([
    ["keeps every answer to a credential private, even for a public project", () => pub, () => reporterOfPublic],
    ["keeps a private project's answers private", () => secret, () => developerOfPrivate],
  ])("%s", (_, project, token) => {
    it.each(KINDS)("$kind", async (kind) => {
      const res = await project().get(kind, h.as(token()));
      expect(res.status).toBe(kind.ok);
      expect(res.headers.get("cache-control")).toBe(PRIVATE);
    });
  });
});
