import type { Pipeline, Project } from "../../../schema";
import type { Harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

/** The storage key a redirect points at. */
export const keyOf = (res: Response) =>
  decodeURIComponent(new URL(res.headers.get("location") ?? "").pathname).replace(/^\/[^/]+\//, "");

export function refArchives(h: Harness) {
  return {
    /** A successful pipeline on `ref` with a job `name` that has an archive; returns its key. */
    async successfulRun(project: Project, ref: string, name: string, options: { parent?: Pipeline } = {}) {
      const pipeline = await h.make.pipeline(project, { ref, parent: options.parent });
      const { job } = await h.make.job(pipeline, { name, status: "success" });
      const stored = await h.make.archive(job, smallZip({ "who.txt": `${ref}:${name}:${pipeline.id}` }));
      await h.make.finishPipeline(pipeline, "success");
      return { pipeline, job, key: stored.key };
    },
    download: (project: Project, ref: string, job: string) => h.fetch(h.url.refArtifacts(project, ref, job)),
  };
}
