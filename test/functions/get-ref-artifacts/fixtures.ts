import { factories } from "../../helpers/factories";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";
export const { fetch, db, storage, cost } = harness();
export const make = factories(db, storage);

export type Project = Awaited<ReturnType<typeof make.project>>;

/** A successful pipeline on `ref` with a job `name` that has an archive; returns its key. */
export async function successfulRun(
  project: Project,
  ref: string,
  name: string,
  options: { parent?: Awaited<ReturnType<typeof make.pipeline>> } = {},
) {
  const pipeline = await make.pipeline(project, { ref, parent: options.parent });
  const { job } = await make.job(pipeline, { name, status: "success" });
  const stored = await make.archive(job, smallZip({ "who.txt": `${ref}:${name}:${pipeline.id}` }));
  await make.finishPipeline(pipeline, "success");
  return { pipeline, job, key: stored.key };
}

export function download(project: Project, ref: string, job: string) {
  return fetch(`/api/v4/projects/${project.id}/jobs/artifacts/${ref}/download?job=${encodeURIComponent(job)}`);
}

/** The storage key the redirect points at. */
export const keyOf = (res: Response) =>
  decodeURIComponent(new URL(res.headers.get("location") ?? "").pathname).replace(/^\/[^/]+\//, "");
