import { expect } from "vitest";
import { zipFailure } from "../../lib/zip/errors";

/** Fails the property unless `error` is one of the zip errors that zipFailure() labels. */
export function expectLabelled(error: unknown): void {
  if (zipFailure(error) !== "unknown") return;
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  expect.fail(`unlabelled failure (zipFailure says "unknown"): ${detail}`);
}

/** Runs `fn`; a labelled zip error becomes undefined, anything else fails the property. */
export function labelled<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    expectLabelled(error);
    return undefined;
  }
}

export async function labelledAsync<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    expectLabelled(error);
    return undefined;
  }
}
