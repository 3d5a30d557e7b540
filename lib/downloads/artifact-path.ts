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

/**
 * `attachment; filename="<basename>"` with `\` and `"` escaped, as Workhorse writes it. Workhorse
 * sends other names' UTF-8 bytes raw, which fetch's Headers refuse (a 500 for `✓.txt`) or send
 * as Latin-1 (`é`); those get an ASCII stand-in and the exact name in RFC 8187's `filename*`.
 */
export function entryDisposition(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const plain = `attachment; filename="${base.replace(/[^\x20-\x7e]/g, "_").replace(/[\\"]/g, "\\$&")}"`;
  if (/^[\x20-\x7e]*$/.test(base)) return plain;
  const encoded = encodeURIComponent(base).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${plain}; filename*=UTF-8''${encoded}`;
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
