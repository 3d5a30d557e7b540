import { describe, expect, it } from "vitest";
import { createApp } from "../../../functions/app";
import { type Config, DEFAULT_PRESIGN_WINDOW } from "../../../lib/platform/config";
import type { Storage } from "../../../lib/platform/storage";
import { harness } from "../../helpers/harness";
import { jobArchives } from "./fixtures";

const h = harness();
const { publicJobWithArchive } = jobArchives(h);
const WINDOW_MS = DEFAULT_PRESIGN_WINDOW * 1000;

/** The app on a clock the test sets, with some settings changed (and its storage, if given). */
function clocked(settings: Partial<Config> = {}, storage: Storage = h.services.storage) {
  const clock = { now: new Date() };
  const config = { ...h.services.config, ...settings };
  const app = createApp(async () => ({ services: { ...h.services, config, storage, now: () => clock.now } }));
  return { clock, fetch: (path: string, init?: RequestInit) => app.request(path, init) };
}

const windowOf = (at: number) => Math.floor(at / WINDOW_MS) * WINDOW_MS;
const amzDate = (at: number) => new Date(at).toISOString().replace(/[:-]|\.\d{3}/g, "");

describe("presigned redirects signed at the start of their window", () => {
  it("give the same Location within a window, signed at its start and valid for PRESIGN_EXPIRES_IN from it", async () => {
    const { project, job, zip } = await publicJobWithArchive();
    const { clock, fetch } = clocked();
    // The window that holds the present, so that the storage server (on the real clock) accepts the URL.
    const start = windowOf(Date.now());
    const locations = [];
    for (const offset of [0, 1_000, WINDOW_MS - 1]) {
      clock.now = new Date(start + offset);
      const res = await fetch(h.url.jobArtifacts(project, job));
      expect(res.status).toBe(302);
      locations.push(res.headers.get("location") ?? "");
    }
    expect(new Set(locations).size).toBe(1);
    const url = new URL(locations[0] ?? "");
    expect(url.searchParams.get("X-Amz-Date")).toBe(amzDate(start));
    expect(url.searchParams.get("X-Amz-Expires")).toBe("300");
    const download = await globalThis.fetch(url);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(zip);
  });

  it("are signed once per window, archive and method: a repeat 302 reuses the URL", async () => {
    const { project, job } = await publicJobWithArchive();
    const signed: string[] = [];
    const storage = h.wrapStorage({
      presignGet: (key, options) => {
        signed.push(`${options.method} ${options.signedAt?.getTime()}`);
        return h.storage.presignGet(key, options);
      },
    });
    const { clock, fetch } = clocked({}, storage);
    const start = windowOf(Date.now());
    const location = async (at: number, method = "GET") => {
      clock.now = new Date(at);
      return (await fetch(h.url.jobArtifacts(project, job), { method })).headers.get("location");
    };
    const first = await location(start);
    expect(await location(start + 1_000)).toBe(first);
    await location(start + 2_000, "HEAD");
    await location(start + 3_000, "HEAD");
    await location(start + WINDOW_MS);
    expect(signed).toEqual([`GET ${start}`, `HEAD ${start}`, `GET ${start + WINDOW_MS}`]);
    // Without a window each answer is signed at its own moment.
    const unwindowed = clocked({ PRESIGN_WINDOW: 0 }, storage);
    signed.length = 0;
    for (const at of [start + 4_000, start + 5_000]) {
      unwindowed.clock.now = new Date(at);
      expect((await unwindowed.fetch(h.url.jobArtifacts(project, job))).status).toBe(302);
    }
    expect(signed).toEqual([`GET ${start + 4_000}`, `GET ${start + 5_000}`]);
  });

  it("give another Location in the next window, and HEAD its own", async () => {
    const { project, job } = await publicJobWithArchive();
    const { clock, fetch } = clocked();
    const start = windowOf(Date.now());
    const location = async (at: number, method = "GET") => {
      clock.now = new Date(at);
      return (await fetch(h.url.jobArtifacts(project, job), { method })).headers.get("location");
    };
    const now = await location(start + 10_000);
    const next = await location(start + WINDOW_MS);
    expect(next).not.toBe(now);
    expect(new URL(next ?? "").searchParams.get("X-Amz-Date")).toBe(amzDate(start + WINDOW_MS));
    const head = await location(start + 20_000, "HEAD");
    expect(head).not.toBe(now);
    expect(head).toBe(await location(start + 30_000, "HEAD"));
  });

  it("are refused by the storage server once PRESIGN_EXPIRES_IN has passed since their window (it checks expiry)", async () => {
    const { project, job } = await publicJobWithArchive();
    const { clock, fetch } = clocked();
    clock.now = new Date(windowOf(Date.now() - 300_000 - WINDOW_MS));
    const res = await fetch(h.url.jobArtifacts(project, job));
    expect((await globalThis.fetch(res.headers.get("location") ?? "")).status).toBe(403);
  });

  it("let shared caches keep a redirect for at most half the URL's remaining life", async () => {
    const { project, job } = await publicJobWithArchive();
    const { clock, fetch } = clocked({ PRESIGN_EXPIRES_IN: 100, PRESIGN_WINDOW: 60 });
    const start = windowOf(Date.now());
    const cacheControl = async (at: number) => {
      clock.now = new Date(at);
      return (await fetch(h.url.jobArtifacts(project, job))).headers.get("cache-control");
    };
    // 100 s from the window's start: 100 s left at its start, 41 s at its end.
    expect(await cacheControl(start)).toBe("public, max-age=50");
    expect(await cacheControl(start + WINDOW_MS - 1)).toBe("public, max-age=20");
  });
});
