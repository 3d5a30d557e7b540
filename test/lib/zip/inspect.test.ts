import { describe, expect, it } from "vitest";
import { inspectArchive } from "../../../lib/zip/inspect";

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

async function emptyZip64(): Promise<Uint8Array> {
  const yazl = (await import("yazl")).default;
  const zip = new yazl.ZipFile();
  zip.end({ forceZip64Format: true, comment: "" });
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
