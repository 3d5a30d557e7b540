/**
 * Content types for single files, as Workhorse gives them (reference 0.7): by extension on the
 * job-id route (Go's mime.TypeByExtension with the built-in table and a Debian mime.types), and
 * by sniffing the first bytes on the ref route (Go's http.DetectContentType, SVG checked first,
 * anything textual forced to text/plain so it cannot render as HTML).
 */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  // Go's built-in table (mime/type.go).
  ".avif": "image/avif",
  ".css": "text/css; charset=utf-8",
  ".gif": "image/gif",
  ".htm": "text/html; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".jpeg": "image/jpeg",
  ".jpg": "image/jpeg",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".mjs": "text/javascript; charset=utf-8",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".webp": "image/webp",
  ".xml": "text/xml; charset=utf-8",
  // From /etc/mime.types, which Go also loads on Linux (text/* gains charset=utf-8).
  ".txt": "text/plain; charset=utf-8",
  ".text": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".markdown": "text/markdown; charset=utf-8",
  ".ico": "image/vnd.microsoft.icon",
  ".bmp": "image/bmp",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".tgz": "application/gzip",
  ".tar": "application/x-tar",
  ".bz2": "application/x-bzip2",
  ".xz": "application/x-xz",
  ".7z": "application/x-7z-compressed",
  ".jar": "application/java-archive",
  ".apk": "application/vnd.android.package-archive",
  ".deb": "application/vnd.debian.binary-package",
  ".rpm": "application/x-redhat-package-manager",
  ".exe": "application/x-msdos-program",
  ".dmg": "application/x-apple-diskimage",
  ".iso": "application/x-iso9660-image",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".sh": "text/x-sh; charset=utf-8",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".mp3": "audio/mpeg",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".ogg": "audio/ogg",
  ".wav": "audio/x-wav",
};

export const OCTET_STREAM = "application/octet-stream";

/** Go's TypeByExtension: exact extension first, then lower-cased; unknown -> octet-stream. */
export function typeByExtension(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  if (dot < 0) return OCTET_STREAM;
  const ext = base.slice(dot);
  return BY_EXTENSION[ext] ?? BY_EXTENSION[ext.toLowerCase()] ?? OCTET_STREAM;
}

/** How many leading bytes the sniffers look at (Workhorse buffers this much). */
export const SNIFF_BYTES = 4096;
const GO_SNIFF_LEN = 512;

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const startsWith = (data: Uint8Array, prefix: Uint8Array, at = 0) =>
  data.length >= at + prefix.length && prefix.every((b, i) => data[at + i] === b);
const isWhitespace = (b: number | undefined) => b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d || b === 0x20;

/** Go's htmlSig: case-insensitive tag, followed by a space or '>'. */
const HTML_TAGS = [
  "<!DOCTYPE HTML",
  "<HTML",
  "<HEAD",
  "<SCRIPT",
  "<IFRAME",
  "<H1",
  "<DIV",
  "<FONT",
  "<TABLE",
  "<A",
  "<STYLE",
  "<TITLE",
  "<B",
  "<BODY",
  "<BR",
  "<P",
  "<!--",
].map(ascii);

function htmlAt(data: Uint8Array, at: number): boolean {
  return HTML_TAGS.some((tag) => {
    if (data.length < at + tag.length + 1) return false;
    for (let i = 0; i < tag.length; i++) {
      let b = data[at + i] ?? 0;
      if (b >= 0x61 && b <= 0x7a && (tag[i] ?? 0) >= 0x41 && (tag[i] ?? 0) <= 0x5a) b -= 0x20;
      if (b !== tag[i]) return false;
    }
    const next = data[at + tag.length];
    return next === 0x20 || next === 0x3e;
  });
}

/** Exact-prefix signatures, in Go's order after the text ones. */
const MAGIC: ReadonlyArray<[Uint8Array, string, number?]> = [
  [ascii("%PDF-"), "application/pdf"],
  [ascii("%!PS-Adobe-"), "application/postscript"],
  [Uint8Array.of(0x00, 0x00, 0x01, 0x00), "image/x-icon"],
  [Uint8Array.of(0x00, 0x00, 0x02, 0x00), "image/x-icon"],
  [ascii("BM"), "image/bmp"],
  [ascii("GIF87a"), "image/gif"],
  [ascii("GIF89a"), "image/gif"],
  [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), "image/png"],
  [Uint8Array.of(0xff, 0xd8, 0xff), "image/jpeg"],
  [ascii("OggS\x00"), "application/ogg"],
  [ascii("MThd\x00\x00\x00\x06"), "audio/midi"],
  [ascii("ID3"), "audio/mpeg"],
  [Uint8Array.of(0x1a, 0x45, 0xdf, 0xa3), "video/webm"],
  [ascii("wOFF"), "font/woff"],
  [ascii("wOF2"), "font/woff2"],
  [Uint8Array.of(0x1f, 0x8b, 0x08), "application/x-gzip"],
  [ascii("PK\x03\x04"), "application/zip"],
  [ascii("Rar!\x1a\x07\x00"), "application/x-rar-compressed"],
  [ascii("Rar!\x1a\x07\x01\x00"), "application/x-rar-compressed"],
  [Uint8Array.of(0x00, 0x61, 0x73, 0x6d), "application/wasm"],
];

/** Go's http.DetectContentType, for the types it can tell apart. */
export function detectContentType(input: Uint8Array): string {
  const data = input.subarray(0, GO_SNIFF_LEN);
  let first = 0;
  while (first < data.length && isWhitespace(data[first])) first++;
  if (htmlAt(data, first)) return "text/html; charset=utf-8";
  if (startsWith(data, ascii("<?xml"), first)) return "text/xml; charset=utf-8";
  if (startsWith(data, Uint8Array.of(0xfe, 0xff))) return "text/plain; charset=utf-16be";
  if (startsWith(data, Uint8Array.of(0xff, 0xfe))) return "text/plain; charset=utf-16le";
  if (startsWith(data, Uint8Array.of(0xef, 0xbb, 0xbf))) return "text/plain; charset=utf-8";
  for (const [magic, type] of MAGIC) if (startsWith(data, magic)) return type;
  if (startsWith(data, ascii("RIFF")) && startsWith(data, ascii("WEBPVP"), 8)) return "image/webp";
  if (startsWith(data, ascii("RIFF")) && startsWith(data, ascii("WAVE"), 8)) return "audio/wave";
  if (startsWith(data, ascii("RIFF")) && startsWith(data, ascii("AVI "), 8)) return "video/avi";
  if (startsWith(data, ascii("FORM")) && startsWith(data, ascii("AIFF"), 8)) return "audio/aiff";
  if (startsWith(data, ascii("ftyp"), 4)) return "video/mp4";
  // Go's textSig: no byte that is binary data in the sniffed window.
  for (const b of data) {
    if (b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f)) return OCTET_STREAM;
  }
  return "text/plain; charset=utf-8";
}

/** Workhorse's SVG check: an <svg> root element after the XML prologue, comments and doctype. */
export function isSvg(input: Uint8Array): boolean {
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(input.subarray(0, SNIFF_BYTES));
  const stripped = text
    .replace(/^\uFEFF/, "")
    .replace(/<\?xml[\s\S]*?\?>/gi, "")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>/gi, "")
    .trimStart();
  return /^<svg[\s>]/i.test(stripped);
}

/** The raw-by-ref route's type: SVG, else Go's sniff with every text/* made text/plain. */
export function sniffedContentType(head: Uint8Array): string {
  if (isSvg(head)) return "image/svg+xml";
  const detected = detectContentType(head);
  return detected.startsWith("text/") ? "text/plain; charset=utf-8" : detected;
}
