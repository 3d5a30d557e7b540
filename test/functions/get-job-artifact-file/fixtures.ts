import { eq } from "drizzle-orm";
import { zipSync } from "fflate";
import { jobs, pipelines } from "../../../schema";
import { factories } from "../../helpers/factories";
import { harness } from "../../helpers/harness";
export const { fetch, db, storage, cost } = harness();
export const make = factories(db, storage);
export const text = (value: string) => new TextEncoder().encode(value);

export const FILES = {
  "index.html": text("<!doctype html><h1>hi</h1>\n"),
  "app.js": text("console.log(1)\n"),
  "data.json": text('{"a":1}\n'),
  "notes.txt": text("plain notes\n"),
  "logo.svg": text('<svg xmlns="http://www.w3.org/2000/svg"/>'),
  blob: Uint8Array.from({ length: 300 }, (_, i) => i % 256),
  "dir/with space/a #1.txt": text("spaced"),
  'q"uote\\d.txt': text("quoted"),
  "Case.txt": text("upper"),
  "big/stored.bin": Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251),
  "big/deflated.txt": text("line of text that compresses well\n".repeat(5000)),
};

export async function fixture(options: { expireAt?: Date | null; locked?: boolean } = {}) {
  const project = await make.project({ visibility: "public" });
  const pipeline = await make.pipeline(project);
  const { job } = await make.job(pipeline);
  const zip = zipSync({
    ...Object.fromEntries(Object.entries(FILES).filter(([name]) => name !== "big/stored.bin")),
    "big/stored.bin": [FILES["big/stored.bin"], { level: 0 }],
    "emptydir/": new Uint8Array(0),
  });
  const stored = await make.archive(job, zip, { expireAt: options.expireAt });
  await db
    .update(pipelines)
    .set({ locked: options.locked ? "artifacts_locked" : "unlocked" })
    .where(eq(pipelines.id, pipeline.id));
  await db
    .update(jobs)
    .set({ artifacts_expire_at: options.expireAt ?? null })
    .where(eq(jobs.id, job.id));
  const url = (path: string) => `/api/v4/projects/${project.id}/jobs/${job.id}/artifacts/${path}`;
  return { project, job, url, stored };
}
