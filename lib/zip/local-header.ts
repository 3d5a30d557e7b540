import type { ZipEntry } from "./central-directory";
import { CorruptEntryError } from "./errors";
import { peek } from "./peek";

const LFH_SIG = 0x04034b50;
const LFH_FIXED = 30;

/**
 * Reads an entry's local header off the front of `body` (a read that starts at the header) and
 * checks it against the central record: signature, encryption bit, method and name. An archive
 * whose two records disagree reads differently in different tools (the central directory says
 * one file, the local header another), so the file is refused before its first byte is sent.
 * Returns the body whole again, header included.
 */
export async function checkedLocalHeader(
  body: ReadableStream<Uint8Array>,
  entry: Pick<ZipEntry, "name" | "method" | "flags">,
): Promise<ReadableStream<Uint8Array>> {
  const { head, rest, reader } = await peek(body, LFH_FIXED + entry.name.length);
  try {
    checkHeader(head, entry);
  } catch (error) {
    void reader.cancel(error).catch(() => {});
    throw error;
  }
  return rest;
}

/** Checks the local header at the front of `head` (as checkedLocalHeader does); returns where the entry's data starts. */
export function checkHeader(head: Uint8Array, entry: Pick<ZipEntry, "name" | "method" | "flags">): number {
  if (head.length < LFH_FIXED) throw new CorruptEntryError("local header is cut short");
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (view.getUint32(0, true) !== LFH_SIG) throw new CorruptEntryError("local header signature missing");
  if ((view.getUint16(6, true) & 0x1) !== (entry.flags & 0x1)) {
    throw new CorruptEntryError("local header and central record disagree on encryption");
  }
  if (view.getUint16(8, true) !== entry.method) {
    throw new CorruptEntryError("local header and central record disagree on the method");
  }
  const nameLength = view.getUint16(26, true);
  const name = head.subarray(LFH_FIXED, LFH_FIXED + nameLength);
  if (nameLength !== entry.name.length || name.length !== nameLength || name.some((b, i) => b !== entry.name[i])) {
    throw new CorruptEntryError("local header and central record disagree on the name");
  }
  return LFH_FIXED + nameLength + view.getUint16(28, true);
}
