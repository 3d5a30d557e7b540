import { NotAZipError } from "./eocd";

/** Domain failures of reading an archive; `archiveFailure` in lib/errors.ts turns them into answers. */
export { NotAZipError };

/** The archive object is not in storage (deleted, or never uploaded). */
export class ArchiveNotFoundError extends Error {
  override name = "ArchiveNotFoundError";
}

/** The archive is larger in some dimension than we read (central directory, entry count). */
export class ZipLimitError extends Error {
  override name = "ZipLimitError";
}

/** An entry's bytes do not match its central-directory record (CRC-32, length, header). */
export class CorruptEntryError extends Error {
  override name = "CorruptEntryError";
}

/** An entry we cannot decode: encrypted, or compressed with a method other than store/deflate. */
export class UnsupportedEntryError extends Error {
  override name = "UnsupportedEntryError";
}

/**
 * What went wrong reading an archive, as Workhorse's zipartifacts/errors.go labels it (its
 * entry_not_found is a null entry here, not an error). The label names the failure in the
 * answer's mapping and in the log line.
 */
export type ZipFailure =
  | "archive_invalid"
  | "archive_not_found"
  | "entry_corrupt"
  | "entry_unsupported"
  | "limits_reached"
  | "unknown";

export function zipFailure(error: unknown): ZipFailure {
  if (error instanceof NotAZipError) return "archive_invalid";
  if (error instanceof ArchiveNotFoundError) return "archive_not_found";
  if (error instanceof CorruptEntryError) return "entry_corrupt";
  if (error instanceof UnsupportedEntryError) return "entry_unsupported";
  if (error instanceof ZipLimitError) return "limits_reached";
  // Storage that does not answer, and anything we did not foresee.
  return "unknown";
}
