import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { text } from "../../helpers/bytes";
import { harness } from "../../helpers/harness";

const h = harness();

// Found by `npm run fuzz` (test/fuzz/artifact-path.fuzz.ts). GitLab refuses only NUL and invalid
// UTF-8 in the path (Gitlab::Ci::Build::Artifacts::Path#valid?); every other name is served.
describe("file names outside printable ASCII, by job id and by ref", () => {
  const NAMES = {
    "dist/✓.txt": "attachment; filename=\"_.txt\"; filename*=UTF-8''%E2%9C%93.txt",
    "dist/line\nbreak.txt": "attachment; filename=\"line_break.txt\"; filename*=UTF-8''line%0Abreak.txt",
    "dist/carriage\rreturn.txt": "attachment; filename=\"carriage_return.txt\"; filename*=UTF-8''carriage%0Dreturn.txt",
  };
  const files = Object.fromEntries(Object.keys(NAMES).map((name) => [name, text(`bytes of ${name}`)]));

  it.each(Object.entries(NAMES))("%j is served with a Content-Disposition fetch accepts", async (name, disposition) => {
    const project = await h.make.project({ visibility: "public" });
    const pipeline = await h.make.pipeline(project, { ref: "main" });
    const { job } = await h.make.job(pipeline, { name: "build" });
    await h.make.archive(job, zipSync(files));
    await h.make.finishPipeline(pipeline, "success");
    const path = name.split("/").map(encodeURIComponent).join("/");
    for (const url of [
      h.url.jobArtifactFile(project, job, path),
      h.url.refArtifactFile(project, "main", path, "build"),
    ]) {
      const res = await h.fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toBe(disposition);
      expect(await res.text()).toBe(`bytes of ${name}`);
    }
  });
});
