import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { inspectArchive, TailWindow } from "../../../lib/zip/inspect";
import { random } from "../../helpers/bytes";

// Found by `npm run fuzz` (test/fuzz/reader.fuzz.ts): an empty ZIP64 archive begins with its
// ZIP64 end record, not a local header, and was refused as "not a zip archive".
describe("inspectArchive", () => {
  it("accepts an empty ZIP64 archive (yazl with forceZip64Format writes one)", async () => {
    const zip = await emptyZip64();
    expect(Array.from(zip.subarray(0, 4))).toEqual([0x50, 0x4b, 0x06, 0x06]);
    const { stream, summary } = inspectArchive();
    const passed = new Response(new Blob([zip]).stream().pipeThrough(stream)).arrayBuffer();
    await passed;
    expect((await summary).centralDirectory).toMatchObject({ entries: 0, size: 0, zip64: true });
  });
});

describe("TailWindow", () => {
  const stream = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 251);

  it.each([1, 7, 99, 100, 101, 250, 1000])("keeps the last 100 bytes of a stream sent in %i-byte chunks", (n) => {
    const window = new TailWindow(100);
    for (let i = 0; i < stream.length; i += n) window.push(stream.subarray(i, i + n));
    expect(window.bytes()).toEqual(stream.slice(900));
  });

  it.each([1_000, 65_537, 300_000])(
    "grows as a stream of 250,000 bytes comes in %i-byte chunks, then keeps its last 200,000",
    (n) => {
      const long = Buffer.from(Uint8Array.from({ length: 250_000 }, (_, i) => (i * 7) % 251));
      const window = new TailWindow(200_000);
      for (let i = 0; i < 150_000; i += n) window.push(long.subarray(i, Math.min(150_000, i + n)));
      expect(long.subarray(0, 150_000).equals(window.bytes())).toBe(true);
      for (let i = 150_000; i < long.length; i += n) window.push(long.subarray(i, i + n));
      expect(long.subarray(50_000).equals(window.bytes())).toBe(true);
    },
  );

  it("keeps all of a stream shorter than its capacity, and nothing of none", () => {
    const window = new TailWindow(100);
    expect(window.bytes()).toEqual(new Uint8Array(0));
    for (const byte of stream.subarray(0, 42)) window.push(Uint8Array.of(byte));
    expect(window.bytes()).toEqual(stream.slice(0, 42));
  });
});

describe("inspectArchive, fed a byte at a time", () => {
  it("finds the same directory and tail as from one chunk", async () => {
    const zip = zipSync({ "a.bin": random(70_000), "b.txt": new TextEncoder().encode("b") }, { level: 0 });
    const inspect = async (chunk: number) => {
      const { stream, summary } = inspectArchive();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < zip.length; i += chunk) controller.enqueue(zip.subarray(i, i + chunk));
          controller.close();
        },
      });
      await body.pipeThrough(stream).pipeTo(new WritableStream());
      return summary;
    };
    const whole = await inspect(zip.length);
    const trickled = await inspect(1);
    expect(trickled).toEqual(whole);
    expect(trickled.tail).toEqual(zip.slice(zip.length - trickled.tail.length));
  });
});

async function emptyZip64(): Promise<Uint8Array> {
  const yazl = (await import("yazl")).default;
  const zip = new yazl.ZipFile();
  zip.end({ forceZip64Format: true, comment: "" });
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
