import { zipSync } from "fflate";
import { nodeWebSocket } from "../../lib/local/node-websocket";
import { servicesFrom } from "../../lib/platform/services";
import { ACCESS_LEVELS, type Pipeline, type Project } from "../../schema";
import { random, text } from "../helpers/bytes";
import { factories } from "../helpers/factories";

/** What the soak reads: every file's bytes, so each answer can be compared with what was stored. */
export const FILES = {
  "README.md": text("# soak\n"),
  // Deflated log-like text (ranges on it stay within the bounded inflate).
  "logs/app.log": text("2026-11-25T03:00:00Z INFO step finished in 12ms: ok\n".repeat(2_500)),
  // Stored: random bytes do not compress, so a range is a plain range read.
  "data/blob.bin": random(256 * 1024),
} as const;
export type FilePath = keyof typeof FILES;

/** Pipelines the uploads' jobs are spread over, so no single pipeline row takes every job. */
const UPLOAD_PIPELINES = 8;

export interface Fixtures {
  readonly ref: string;
  /** A public project whose `main` has a successful pipeline and a `build` job with FILES. */
  readonly publicProject: number;
  readonly publicJob: number;
  /** A private project with the same, read with a Reporter's personal access token. */
  readonly privateProject: number;
  readonly privateJob: number;
  readonly reporterToken: string;
  /** A private project whose running pipelines take the uploads' jobs. */
  readonly uploadProject: number;
  readonly uploadPipelines: readonly number[];
}

/** The soak's data, made through lib code (the factories of the tests), once for every target. */
export async function makeFixtures(settings: Record<string, string>): Promise<Fixtures> {
  const { services, close } = servicesFrom(settings, nodeWebSocket).open(4);
  try {
    const make = factories(services.db, services.storage);
    const zip = zipSync(
      Object.fromEntries(
        Object.entries(FILES).map(([path, bytes]) => [path, [bytes, { level: path.endsWith(".bin") ? 0 : 6 }]]),
      ),
    );
    const succeeded = async (project: Project) => {
      const pipeline = await make.pipeline(project);
      const { job } = await make.job(pipeline, { name: "build", status: "success" });
      await make.archive(job, zip);
      await make.finishPipeline(pipeline);
      return job.id;
    };
    const publicProject = await make.project({ visibility: "public" });
    const privateProject = await make.project();
    const { token: reporterToken } = await make.memberWithToken(privateProject, ACCESS_LEVELS.reporter);
    const uploadProject = await make.project();
    const uploadPipelines: Pipeline[] = [];
    for (let i = 0; i < UPLOAD_PIPELINES; i++) uploadPipelines.push(await make.pipeline(uploadProject));
    return {
      ref: "main",
      publicProject: publicProject.id,
      publicJob: await succeeded(publicProject),
      privateProject: privateProject.id,
      privateJob: await succeeded(privateProject),
      reporterToken,
      uploadProject: uploadProject.id,
      uploadPipelines: uploadPipelines.map((p) => p.id),
    };
  } finally {
    await close();
  }
}
