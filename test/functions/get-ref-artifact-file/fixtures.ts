import { zipSync } from "fflate";
import { text } from "../../helpers/bytes";
import type { Harness } from "../../helpers/harness";

export const PNG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52);

export const FILES: Record<string, Uint8Array> = {
  "page.html": text("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
  "app.js": text("document.write('x')\n"),
  "image.svg": text('<?xml version="1.0"?>\n<!-- drawn -->\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
  "pixel.png": PNG,
  "report.pdf": text("%PDF-1.7\n%\u00e2\u00e3\n"),
  "binary.dat": Uint8Array.from({ length: 64 }, (_, i) => i),
  "raw/inside.txt": text("a raw/ directory inside the archive"),
  "big.txt": text("0123456789".repeat(1000)),
};

export function refFiles(h: Harness) {
  return {
    /** A successful pipeline on main of a project (public unless told) whose job "build" holds FILES. */
    async published(
      options: { visibility?: "public" | "private"; archive?: Parameters<Harness["make"]["archive"]>[2] } = {},
    ) {
      const project = await h.make.project({ visibility: options.visibility ?? "public" });
      const pipeline = await h.make.pipeline(project, { ref: "main" });
      const { job } = await h.make.job(pipeline, { name: "build", status: "success" });
      await h.make.archive(job, zipSync(FILES), options.archive);
      await h.make.finishPipeline(pipeline, "success");
      const url = (path: string, ref = "main", name = "build") => h.url.refArtifactFile(project, ref, path, name);
      return { project, job, url };
    },
  };
}
