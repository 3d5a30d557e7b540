import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { createApp } from "../../../functions/app";
import type { Services } from "../../../lib/platform/services";
import type { Storage } from "../../../lib/platform/storage";
import { jobArtifacts } from "../../../schema";
import { contractFetch } from "../../helpers/contract";
import { indexedEntries } from "../../helpers/entry-index";
import type { Harness } from "../../helpers/harness";

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** What the upload tests read back: the request, the stored object, the job's archive row and index. */
export function uploads(h: Harness) {
  return {
    /** A running job of a new project, and its CI_JOB_TOKEN. */
    runningJob: async () => h.make.job(await h.make.pipeline(await h.make.project())),
    upload: (job: { id: number }, token: string, form: FormData, query = "") =>
      h.fetch(`${h.url.uploadJobArtifacts(job)}${query}`, {
        method: "POST",
        headers: { "JOB-TOKEN": token },
        body: form,
      }),
    async storedBytes(key: string): Promise<Uint8Array | null> {
      const stream = await h.storage.read(key);
      return stream ? new Uint8Array(await new Response(stream).arrayBuffer()) : null;
    },
    async indexedPaths(storageKey: string) {
      return (await indexedEntries(h.db, storageKey)).map((e) => e.path).sort();
    },
    async archiveRow(jobId: number) {
      const [row] = await h.db.select().from(jobArtifacts).where(eq(jobArtifacts.job_id, jobId));
      return row;
    },
  };
}

/**
 * The app over the harness's database and storage with other settings or another clock: a small
 * MAX_ARTIFACT_SIZE, a clock far from every other file's (so a cleanup run on it sees only what
 * this test made), or storage that fails half-way.
 */
export function appWith(h: Harness, changes: { maxArtifactSize?: number; now?: Date; storage?: Storage }) {
  const clock = changes.now;
  const services: Services = {
    ...h.services,
    config: { ...h.services.config, MAX_ARTIFACT_SIZE: changes.maxArtifactSize ?? h.services.config.MAX_ARTIFACT_SIZE },
    now: clock ? () => clock : h.services.now,
    storage: changes.storage ?? h.services.storage,
  };
  const app = createApp(async () => ({ services }));
  return { services, fetch: contractFetch(app) };
}
