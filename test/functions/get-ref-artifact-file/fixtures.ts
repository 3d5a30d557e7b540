import { zipSync } from "fflate";
import { factories } from "../../helpers/factories";
import { harness } from "../../helpers/harness";
export const { fetch, db, storage, cost } = harness();
export const make = factories(db, storage);
export const text = (value: string) => new TextEncoder().encode(value);
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

export async function published() {
  const project = await make.project({ visibility: "public" });
  const pipeline = await make.pipeline(project, { ref: "main" });
  const { job } = await make.job(pipeline, { name: "build", status: "success" });
  await make.archive(job, zipSync(FILES));
  await make.finishPipeline(pipeline, "success");
  const url = (path: string, ref = "main", name = "build") =>
    `/api/v4/projects/${project.id}/jobs/artifacts/${ref}/raw/${path}?job=${encodeURIComponent(name)}`;
  return { project, job, url };
}
