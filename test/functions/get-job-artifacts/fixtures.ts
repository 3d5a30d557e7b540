import type { Harness } from "../../helpers/harness";
import { smallZip } from "../../helpers/zips";

export function jobArchives(h: Harness) {
  return {
    /** A public project's job with an archive holding a.txt. */
    publicJobWithArchive: (archive: Parameters<Harness["make"]["archive"]>[2] = {}) =>
      h.make.jobWithArchive(smallZip({ "a.txt": "alpha" }), { project: { visibility: "public" }, archive }),
  };
}
