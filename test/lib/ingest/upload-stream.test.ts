import { createHash } from "node:crypto";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../lib/errors";
import { readMultipart } from "../../../lib/ingest/multipart";
import { locateCentralDirectory } from "../../../lib/zip/eocd";
import { inspectArchive } from "../../../lib/zip/inspect";
import { random, text } from "../../helpers/bytes";

/** Far above what these tests send: the limits have tests of their own. */
const limits = { maxFileBytes: 64 * 1024 * 1024 };

function formRequest(form: FormData): Request {
  return new Request("http://x/upload", { method: "POST", body: form });
}

/** Feeds `bytes` through the inspector in `size`-byte chunks; returns what came out and the summary. */
async function inspect(bytes: Uint8Array, size: number) {
  const { stream, summary } = inspectArchive();
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
      controller.close();
    },
  });
  const out = new Uint8Array(await new Response(source.pipeThrough(stream)).arrayBuffer());
  return { out, summary: await summary };
}

describe("readMultipart", () => {
  it("hands fields over as text and a file as a stream of its exact bytes", async () => {
    const file = random(3 * 1024 * 1024);
    const form = new FormData();
    form.append("expire_in", "1 week");
    form.append("file", new Blob([file]), "artifacts.zip");
    const fields: Record<string, string> = {};
    let received: Uint8Array | undefined;
    await readMultipart(
      formRequest(form),
      {
        field: (name, value) => {
          fields[name] = value;
        },
        file: async (_name, body) => {
          received = new Uint8Array(await new Response(body).arrayBuffer());
        },
      },
      limits,
    );
    expect(fields).toEqual({ expire_in: "1 week" });
    expect(received?.length).toBe(file.length);
    expect(received && createHash("sha256").update(received).digest("hex")).toBe(
      createHash("sha256").update(file).digest("hex"),
    );
  });

  it("waits for a slow consumer, and goes on past a part the consumer cancels", async () => {
    const form = new FormData();
    form.append("metadata", new Blob([random(2 * 1024 * 1024)]), "metadata.gz");
    form.append("file", new Blob([random(2 * 1024 * 1024)]), "artifacts.zip");
    const seen: string[] = [];
    let finished = false;
    await readMultipart(
      formRequest(form),
      {
        field: () => {},
        file: async (name, body) => {
          if (name !== "file") return body.cancel();
          const reader = body.getReader();
          for (;;) {
            const next = await reader.read();
            if (next.done) break;
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          seen.push(name);
          finished = true;
        },
      },
      limits,
    );
    expect(seen).toEqual(["file"]);
    expect(finished).toBe(true);
  });

  it("answers 400 for a body that is not multipart, and for one cut short", async () => {
    const plain = new Request("http://x/upload", {
      method: "POST",
      body: "hello",
      headers: { "content-type": "text/plain" },
    });
    await expect(readMultipart(plain, { field: () => {}, file: async () => {} }, limits)).rejects.toMatchObject({
      status: 400,
    });

    const form = new FormData();
    form.append("file", new Blob([random(100_000)]), "artifacts.zip");
    const whole = formRequest(form);
    const bytes = new Uint8Array(await whole.arrayBuffer());
    const cut = new Request("http://x/upload", {
      method: "POST",
      body: bytes.slice(0, 50_000),
      headers: { "content-type": whole.headers.get("content-type") ?? "" },
    });
    const error = await readMultipart(
      cut,
      {
        field: () => {},
        file: async (_name, body) => {
          await new Response(body).arrayBuffer();
        },
      },
      limits,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
  });
});

describe("inspectArchive", () => {
  const zip = zipSync({ "a.txt": text("alpha".repeat(1000)), "b.bin": random(10_000) });
  it.each([7, 4096, zip.length])(
    "passes a zip through unchanged and measures, hashes and locates its central directory, fed %i bytes at a time",
    async (size) => {
      const { out, summary } = await inspect(zip, size);
      expect(out).toEqual(zip);
      expect(summary.size).toBe(zip.length);
      expect(summary.sha256).toBe(createHash("sha256").update(zip).digest("hex"));
      expect(summary.centralDirectory).toEqual(locateCentralDirectory(zip, zip.length));
      expect(summary.centralDirectory.entries).toBe(2);
    },
  );

  it("fails on text, on an empty body, and on a zip whose end is cut off", async () => {
    await expect(inspect(text("plain text, no zip"), 5)).rejects.toThrow("not a zip archive");
    await expect(inspect(new Uint8Array(0), 5)).rejects.toThrow("not a zip archive");
    const zip = zipSync({ "a.txt": random(5000) });
    await expect(inspect(zip.slice(0, zip.length - 10), 1000)).rejects.toThrow("end of central directory");
  });
});
