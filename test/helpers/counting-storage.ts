import type { Storage } from "../../lib/platform/storage";

export interface StorageRead {
  readonly key: string;
  readonly range?: { start: number; end: number };
}

/** `base` with some of its methods replaced: how fault tests make storage fail half-way. */
export function wrapStorage(base: Storage, overrides: Partial<Storage>): Storage {
  return {
    presignGet: (key, options) => base.presignGet(key, options),
    presignPut: (key, options) => base.presignPut(key, options),
    upload: (key, body, type) => base.upload(key, body, type),
    read: (key, range) => base.read(key, range),
    copy: (from, to, type) => base.copy(from, to, type),
    delete: (keys) => base.delete(keys),
    ...overrides,
  };
}

/** The real storage, with every read recorded: how tests and the bench count storage requests. */
export function countingStorage(real: Storage, onRead: (read: StorageRead) => void): Storage {
  return wrapStorage(real, {
    read: (key, range) => {
      onRead({ key, range });
      return real.read(key, range);
    },
  });
}
