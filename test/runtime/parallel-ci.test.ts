import { afterAll, beforeAll, describe, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../lib/local/worker";
import { harness, settings } from "../helpers/harness";
import { parallelCi, RUNNERS } from "../helpers/parallel-ci";

// The harness gives the scenario its database and factories; every request goes to workerd.
const h = harness();
const ROUNDS = 3;
let worker: LocalWorker;

beforeAll(async () => {
  worker = await startLocalWorker({ settings: settings(), logLevel: "error" });
}, 120_000);
afterAll(() => worker?.dispose());

describe("parallel CI on one project and ref, against the bundled Worker in workerd", () => {
  it(`${RUNNERS} runners × ${ROUNDS} rounds: no 5xx, every pipeline rolls up, the ref serves the newest, locks as GitLab leaves them`, async () => {
    await parallelCi(h, { fetch: (path, init) => fetch(new URL(path, worker.url), init), rounds: ROUNDS });
  }, 90_000);
});
