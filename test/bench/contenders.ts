import { configure, HttpRangeReader, Uint8ArrayWriter, ZipReader } from "@zip.js/zip.js";
import { unzipSync } from "fflate";
import { HTTPRangeReader, unzip } from "unzipit";

/** Where a contender finds the archive: a presigned GET URL (through the storage proxy) and our API's URL for the entry. */
export interface Target {
  /** A presigned GET URL of the archive object, signed for the storage proxy's host. */
  readonly objectUrl: string;
  /** The archive's size, which our database and a caller holding an index both know. */
  readonly size: number;
  /** The entry's name in the archive. */
  readonly entry: string;
  /** Our file route for the entry (`GET /projects/:id/jobs/:job_id/artifacts/*path`). */
  readonly apiUrl: string;
}

export interface Contender {
  readonly name: string;
  read(target: Target): Promise<Uint8Array>;
}

// No Web Workers: on Workers there are none, and the bench compares work on one thread.
configure({ useWebWorkers: false });

async function bytesOf(res: Response, what: string): Promise<Uint8Array> {
  if (!res.ok) throw new Error(`${what} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return new Uint8Array(await res.arrayBuffer());
}

export const OURS = "artifact-edge";

/** unzipit's HTTPRangeReader with the archive's size known, so no HEAD. */
class KnownLengthReader extends HTTPRangeReader {
  constructor(
    url: string,
    private readonly size: number,
  ) {
    super(url);
  }
  override async getLength(): Promise<number> {
    return this.size;
  }
}

export const contenders: readonly Contender[] = [
  {
    name: OURS,
    read: async (t) => bytesOf(await fetch(t.apiUrl), "artifact-edge"),
  },
  {
    // unzipit's own HTTPRangeReader (ranged reads, and one streamed range for a deflated entry),
    // told the length: its HEAD is refused by a presigned GET URL, and we know the size as well.
    name: "unzipit",
    async read(t) {
      const { entries } = await unzip(new KnownLengthReader(t.objectUrl, t.size));
      const entry = entries[t.entry];
      if (!entry) throw new Error(`unzipit: no ${t.entry}`);
      return new Uint8Array(await entry.arrayBuffer());
    },
  },
  {
    // Defaults otherwise: the size from `Range: bytes=0-0`, ranges of at most 16 MiB.
    name: "@zip.js/zip.js",
    async read(t) {
      const reader = new ZipReader(new HttpRangeReader(t.objectUrl));
      try {
        for (const entry of await reader.getEntries()) {
          if (entry.filename === t.entry && !entry.directory) return await entry.getData(new Uint8ArrayWriter());
        }
        throw new Error(`zip.js: no ${t.entry}`);
      } finally {
        await reader.close();
      }
    },
  },
  {
    name: "whole download + fflate",
    async read(t) {
      const whole = await bytesOf(await fetch(t.objectUrl), "whole download");
      const entry = unzipSync(whole, { filter: (file) => file.name === t.entry })[t.entry];
      if (!entry) throw new Error(`fflate: no ${t.entry}`);
      return entry;
    },
  },
];
