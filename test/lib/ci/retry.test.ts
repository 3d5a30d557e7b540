import { describe, expect, it } from "vitest";
import { TRANSACTION_ATTEMPTS, withRetry } from "../../../lib/ci/retry";

/** An error shaped as Drizzle throws it: the driver's error, with its SQLSTATE, as the cause. */
const wrapped = (code: string) =>
  Object.assign(new Error("Failed query"), { cause: Object.assign(new Error("pg"), { code }) });

function failing(errors: Error[]) {
  let calls = 0;
  const run = async () => {
    const error = errors[calls++];
    if (error) throw error;
    return "done";
  };
  return { run, calls: () => calls };
}

describe("withRetry", () => {
  it("runs a transaction again after a deadlock or a serialization failure", async () => {
    const t = failing([wrapped("40P01"), wrapped("40001")]);
    expect(await withRetry(t.run)).toBe("done");
    expect(t.calls()).toBe(3);
  });

  it("gives up after the bounded number of attempts, with the last error", async () => {
    const last = wrapped("40P01");
    const t = failing([wrapped("40P01"), wrapped("40P01"), last, wrapped("40P01")]);
    await expect(withRetry(t.run)).rejects.toBe(last);
    expect(t.calls()).toBe(TRANSACTION_ATTEMPTS);
  });

  it("does not repeat any other failure", async () => {
    const unique = wrapped("23505");
    const t = failing([unique]);
    await expect(withRetry(t.run)).rejects.toBe(unique);
    expect(t.calls()).toBe(1);
  });
});
