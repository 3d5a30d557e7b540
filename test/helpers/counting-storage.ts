import type { Storage } from "../../lib/platform/storage";

export interface StorageRead {
  readonly key: string;
  readonly range?: { start: number; end: number };
}

/** The real storage, with every read recorded: how tests and the bench count storage requests. */
export function countingStorage(real: Storage, onRead: (read: StorageRead) => void): Storage {
  return {
    presignGet: (key, options) => real.presignGet(key, options),
    presignPut: (key, options) => real.presignPut(key, options),
    upload: (key, body, type) => real.upload(key, body, type),
    head: (key) => real.head(key),
    read: (key, range) => {
      onRead({ key, range });
      return real.read(key, range);
    },
    delete: (keys) => real.delete(keys),
  };
}
