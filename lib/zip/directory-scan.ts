import { concat } from "./bytes";
import { type CentralRecord, checkEntryCount, readRecord } from "./central-directory";
import { NotAZipError } from "./eocd";

/**
 * Hands each of a central directory's `entries` records to `add`, reading the directory as a
 * stream of chunks: what it holds at a time is one chunk and the part of a record that began in
 * the chunk before (a record is at most 46 + 3 × 65,535 bytes), never the whole directory.
 * `add` gets the buffer the record's offsets point into, valid during the call. Returns the
 * directory bytes the records took up; stops reading once the last record is in.
 */
export async function scanRecords(
  chunks: AsyncIterable<Uint8Array>,
  location: { readonly entries: number; readonly size: number },
  add: (record: CentralRecord, buffer: Uint8Array) => void,
): Promise<number> {
  checkEntryCount(location.entries, location.size);
  let buffer: Uint8Array = new Uint8Array(0);
  // Where the unread part of `buffer` starts, and how many directory bytes came before `buffer`.
  let at = 0;
  let before = 0;
  let seen = 0;
  if (location.entries === 0) return 0;
  for await (const chunk of chunks) {
    before += at;
    buffer = at < buffer.length ? concat(buffer.subarray(at), chunk) : chunk;
    at = 0;
    for (let record = readRecord(buffer, at); record; record = readRecord(buffer, at)) {
      add(record, buffer);
      at = record.next;
      if (++seen === location.entries) return before + at;
    }
  }
  throw new NotAZipError("central directory record overruns");
}
