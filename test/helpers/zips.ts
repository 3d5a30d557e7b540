import { zipSync } from "fflate";

/** A small real zip archive built in the test. */
export function smallZip(files: Record<string, string> = { "README.md": "# hello\n" }): Uint8Array {
  const encoder = new TextEncoder();
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, encoder.encode(text)])));
}

/** A zip whose one entry is `size` bytes of incompressible data (stored, so the archive is that big). */
export function bigZip(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(data.subarray(i, Math.min(size, i + 65_536)));
  return zipSync({ "blob.bin": [data, { level: 0 }] });
}

export function multipartUpload(file: Uint8Array, fields: Record<string, string> = {}, fieldName = "file"): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append(fieldName, new Blob([file], { type: "application/zip" }), "artifacts.zip");
  return form;
}
