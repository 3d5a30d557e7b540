import { describe, it } from "vitest";
import { harness } from "../../helpers/harness";
import { parallelCi, RUNNERS } from "../../helpers/parallel-ci";

const h = harness();
const ROUNDS = 2;

describe("parallel CI on one project and ref", () => {
  it(`${RUNNERS} runners × ${ROUNDS} rounds: no 5xx, every pipeline rolls up, the ref serves the newest, locks as GitLab leaves them`, async () => {
    await parallelCi(h, {
      fetch: h.fetch,
      rounds: ROUNDS,
      errorLogs: () => h.logs.filter((l) => l.level === "error").map((l) => JSON.stringify(l).slice(0, 300)),
    });
  });
});
