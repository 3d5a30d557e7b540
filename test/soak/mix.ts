import { zipSync } from "fflate";
import { FormData } from "undici";
import { random as randomBytes } from "../helpers/bytes";
import { ADMIN_TOKEN, url } from "../helpers/harness";
import { FILES, type FilePath, type Fixtures } from "./fixtures";

/** One request and what its answer must be. */
export interface Call {
  /** What is asked, for the per-kind figures: "archive 302", "range 206", ... */
  readonly kind: string;
  readonly method?: "GET" | "POST";
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: FormData | string;
  /** What is wrong with the answer, or undefined when it is right. */
  readonly check: (answer: Answer) => string | undefined;
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Uint8Array;
}

/** Sends a call; undefined when it failed (counted by the driver), so an operation stops there. */
export type Send = (call: Call) => Promise<Answer | undefined>;

/** A step of the mix: one request, or a short sequence (an upload) in which each request counts. */
export interface Operation {
  readonly weight: number;
  readonly calls: number;
  run(send: Send, random: () => number): Promise<void>;
}

const decoder = new TextDecoder();
const asText = (bytes: Uint8Array) => decoder.decode(bytes);
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

export function expectStatus(answer: Answer, status: number): string | undefined {
  return answer.status === status
    ? undefined
    : `status ${answer.status}, not ${status}: ${asText(answer.body).slice(0, 200)}`;
}

/** The answer is `status` with exactly `bytes` (and, for a range, its Content-Range). */
const bytesCheck =
  (status: number, bytes: Uint8Array, contentRange?: string) =>
  (answer: Answer): string | undefined =>
    expectStatus(answer, status) ??
    (contentRange !== undefined && answer.headers["content-range"] !== contentRange
      ? `content-range ${answer.headers["content-range"]}, not ${contentRange}`
      : undefined) ??
    (sameBytes(answer.body, bytes) ? undefined : `${answer.body.length} bytes differ from the ${bytes.length} stored`);

/** A 302 to a presigned storage URL (not followed: the soak measures the service, not storage). */
function redirectCheck(answer: Answer): string | undefined {
  const location = String(answer.headers.location ?? "");
  return expectStatus(answer, 302) ?? (location.includes("X-Amz-Signature=") ? undefined : "no presigned Location");
}

const jsonCheck = (status: number, body: unknown) => (answer: Answer) =>
  expectStatus(answer, status) ??
  (asText(answer.body) === JSON.stringify(body) ? undefined : `body ${asText(answer.body).slice(0, 200)}`);

const pick = <T>(values: readonly T[], random: () => number): T => values[Math.floor(random() * values.length)] as T;
const PATHS = Object.keys(FILES) as FilePath[];
export const one = (weight: number, call: (random: () => number) => Call): Operation => ({
  weight,
  calls: 1,
  run: async (send, random) => void (await send(call(random))),
});

/** An inclusive byte range inside `size`: `[start, end]`. */
function rangeIn(size: number, random: () => number): [number, number] {
  const start = Math.floor(random() * size);
  const length = 1 + Math.floor(random() * Math.min(64 * 1024, size - start));
  return [start, start + length - 1];
}

/**
 * The soak's mix of downloads (archive redirects by job and by ref, whole files, ranges, private
 * reads with a token, GitLab's 404s) and uploads (a job made with the admin API, its archive
 * uploaded with the job token as a runner does, and a file of it read back).
 */
export function mix(f: Fixtures): Operation[] {
  const reporter = { "PRIVATE-TOKEN": f.reporterToken };
  const admin = { "PRIVATE-TOKEN": ADMIN_TOKEN, "content-type": "application/json" };
  return [
    one(12, () => ({
      kind: "archive 302",
      path: url.jobArtifacts(f.publicProject, f.publicJob),
      check: redirectCheck,
    })),
    one(6, () => ({
      kind: "private archive 302",
      path: url.jobArtifacts(f.privateProject, f.privateJob),
      headers: reporter,
      check: redirectCheck,
    })),
    one(8, () => ({
      kind: "ref archive 302",
      path: url.refArtifacts(f.publicProject, f.ref, "build"),
      check: redirectCheck,
    })),
    one(16, (random) => {
      const path = pick(PATHS, random);
      return {
        kind: "file 200",
        path: url.jobArtifactFile(f.publicProject, f.publicJob, path),
        check: bytesCheck(200, FILES[path]),
      };
    }),
    one(6, (random) => {
      const path = pick(PATHS, random);
      return {
        kind: "private file 200",
        path: url.jobArtifactFile(f.privateProject, f.privateJob, path),
        headers: reporter,
        check: bytesCheck(200, FILES[path]),
      };
    }),
    one(12, (random) => {
      const path = pick(["logs/app.log", "data/blob.bin"] as const, random);
      const size = FILES[path].length;
      const [start, end] = rangeIn(size, random);
      return {
        kind: "range 206",
        path: url.jobArtifactFile(f.publicProject, f.publicJob, path),
        headers: { range: `bytes=${start}-${end}` },
        check: bytesCheck(206, FILES[path].subarray(start, end + 1), `bytes ${start}-${end}/${size}`),
      };
    }),
    one(10, (random) => {
      const path = pick(PATHS, random);
      return {
        kind: "ref file 200",
        path: url.refArtifactFile(f.publicProject, f.ref, path, "build"),
        check: bytesCheck(200, FILES[path]),
      };
    }),
    one(5, () => ({
      kind: "missing file 404",
      path: url.jobArtifactFile(f.publicProject, f.publicJob, "no/such/file.txt"),
      check: (answer) =>
        expectStatus(answer, 404) ??
        (asText(answer.body) === "404 page not found\n" ? undefined : "not Workhorse's 404"),
    })),
    one(5, () => ({
      kind: "missing job 404",
      path: url.jobArtifacts(f.publicProject, 2_000_000_000),
      check: jsonCheck(404, { message: "404 Not found" }),
    })),
    one(4, () => ({
      kind: "anonymous private 404",
      path: url.jobArtifacts(f.privateProject, f.privateJob),
      check: jsonCheck(404, { message: "404 Project Not Found" }),
    })),
    {
      weight: 8,
      calls: 3,
      async run(send, random) {
        const pipeline = pick(f.uploadPipelines, random);
        let job: { id: number; token: string } | undefined;
        const created = await send({
          kind: "create job 201",
          method: "POST",
          path: url.pipelineJobs(f.uploadProject, pipeline),
          headers: admin,
          body: JSON.stringify({ name: "soak" }),
          check: (answer) => {
            job = answer.status === 201 ? (JSON.parse(asText(answer.body)) as typeof job) : undefined;
            return expectStatus(answer, 201);
          },
        });
        if (!created || !job) return;
        // Its own content, so a read that served another job's archive would not match.
        const content = `${job.id} ${Buffer.from(randomBytes(8)).toString("hex")}\n`.repeat(64);
        const zip = zipSync({ "soak.txt": new TextEncoder().encode(content) });
        const form = new FormData();
        form.append("file", new Blob([zip], { type: "application/zip" }), "artifacts.zip");
        const uploaded = await send({
          kind: "upload 201",
          method: "POST",
          path: url.uploadJobArtifacts(job.id),
          headers: { "JOB-TOKEN": job.token },
          body: form,
          check: (answer) => {
            const size = answer.status === 201 && JSON.parse(asText(answer.body)).artifacts_file?.size;
            return expectStatus(answer, 201) ?? (size === zip.length ? undefined : `artifacts_file.size ${size}`);
          },
        });
        if (!uploaded) return;
        await send({
          kind: "uploaded file 200",
          path: url.jobArtifactFile(f.uploadProject, job.id, "soak.txt"),
          headers: { "PRIVATE-TOKEN": ADMIN_TOKEN },
          check: bytesCheck(200, new TextEncoder().encode(content)),
        });
      },
    },
  ];
}
