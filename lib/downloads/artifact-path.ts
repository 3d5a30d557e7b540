import { badRequest } from "../errors";

/**
 * The artifact path as GitLab takes it: percent-decoded from the raw URL (not normalised, so
 * `..`, a leading `/` and empty segments simply match nothing), and refused with 400 only for
 * a NUL byte or bytes that are not UTF-8 (Gitlab::Ci::Build::Artifacts::Path#valid?).
 */
export function decodeArtifactPath(raw: string): { text: string; bytes: Uint8Array } {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of new TextEncoder().encode(raw[i])) bytes.push(b);
    }
  }
  const encoded = Uint8Array.from(bytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(encoded);
  } catch {
    throw badRequest();
  }
  if (text.includes("\0")) throw badRequest();
  return { text, bytes: encoded };
}

/** Go's filepath.Base, which Workhorse applies to the entry name: a directory entry `dist/` is `dist`. */
function goBase(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

let unicodeHeaders: boolean | undefined;

/**
 * Whether this runtime's headers take any string and send it as UTF-8 (workerd), or only byte
 * strings, one character per byte (Node and undici, which send them as Latin-1).
 */
function headersTakeUnicode(): boolean {
  if (unicodeHeaders === undefined) {
    try {
      new Headers({ probe: "\u2713" });
      unicodeHeaders = true;
    } catch {
      unicodeHeaders = false;
    }
  }
  return unicodeHeaders;
}

/**
 * `attachment; filename="<basename>"` with `\` and `"` escaped, as Workhorse writes it, so that
 * the bytes sent are Workhorse's: the name's UTF-8 bytes (given as one character per byte where
 * a header is a byte string), with CR and LF as spaces as Go's net/http writes them, so no name
 * can split the header (security review finding 16). Other control characters, which Node
 * refuses in a header, become spaces too.
 */
export function entryDisposition(path: string, unicode = headersTakeUnicode()): string {
  let base = "";
  for (const char of goBase(path).replace(/[\\"]/g, "\\$&")) {
    const code = char.charCodeAt(0);
    base += (code < 0x20 && code !== 0x09) || code === 0x7f ? " " : char;
  }
  if (unicode) return `attachment; filename="${base}"`;
  let bytes = "";
  for (const byte of new TextEncoder().encode(base)) bytes += String.fromCharCode(byte);
  return `attachment; filename="${bytes}"`;
}

/**
 * Decodes now, refuses later: the entry name goes into the download's one statement, while
 * GitLab checks the path only after authorization (so a stranger still gets 404, not 400).
 */
export function deferredArtifactPath(raw: string): { text?: string; get(): { text: string; bytes: Uint8Array } } {
  try {
    const path = decodeArtifactPath(raw);
    return { text: path.text, get: () => path };
  } catch (error) {
    return {
      get: () => {
        throw error;
      },
    };
  }
}
