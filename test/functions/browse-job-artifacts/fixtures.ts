import { zipSync } from "fflate";
import { text } from "../../helpers/bytes";
import type { Harness } from "../../helpers/harness";

export const PNG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52);

/** An archive with nested directories (some without their own entry), hostile names, text, an image and bytes. */
export const FILES: Record<string, Uint8Array> = {
  "README.md": text("# Build output\n"),
  "coverage/badge.svg": text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'),
  "coverage/index.html": text("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
  "dist/app.js": text("console.log('a')\n"),
  "dist/assets/logo.png": PNG,
  "dist/assets/deep/x.txt": text("deep"),
  "<img src=x onerror=alert(1)>.txt": text("<b>not bold</b> & <i>not italic</i>"),
  // Its slash makes it a directory "<script>alert(1)<" holding "script>.txt".
  "<script>alert(1)</script>.txt": text("<script>alert(2)</script>"),
  "binary.dat": Uint8Array.from({ length: 64 }, (_, i) => i),
  "names with spaces/a #1?.txt": text("odd name"),
};

/** A public project (unless told) whose job "test" on main holds `files`, in a successful pipeline. */
export function webArtifacts(h: Harness) {
  return async (
    options: {
      visibility?: "public" | "private";
      files?: Record<string, Uint8Array>;
      archive?: Parameters<Harness["make"]["archive"]>[2];
      ref?: string;
      /** false: the pipeline does not keep its artifacts past their expiry. */
      locked?: boolean;
    } = {},
  ) => {
    const project = await h.make.project({ visibility: options.visibility ?? "public" });
    const pipeline = await h.make.pipeline(project, { ref: options.ref ?? "main", locked: options.locked });
    const { job } = await h.make.job(pipeline, { name: "test", status: "success" });
    await h.make.archive(job, zipSync(options.files ?? FILES), options.archive);
    await h.make.finishPipeline(pipeline, "success");
    const base = `/${project.full_path}/-/jobs/${job.id}/artifacts`;
    return { project, job, base };
  };
}
