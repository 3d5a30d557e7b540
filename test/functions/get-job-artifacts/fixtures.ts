import { factories } from "../../helpers/factories";
import { harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";
export const { fetch, db, storage, cost } = harness();
export const make = factories(db, storage);

export async function publicJobWithArchive(options: Parameters<typeof make.archive>[2] = {}) {
  const project = await make.project({ visibility: "public" });
  const pipeline = await make.pipeline(project);
  const { job } = await make.job(pipeline);
  const zip = smallZip({ "a.txt": "alpha" });
  const stored = await make.archive(job, zip, options);
  return { project, pipeline, job, zip, stored };
}
