/** Domain failures of reading an archive; only functions/ turns them into HTTP answers. */
export { NotAZipError } from "./eocd";

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
