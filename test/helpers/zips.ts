import { zipSync } from "fflate";
import { random, text } from "./bytes";

/** A small real zip archive built in the test. */
export function smallZip(files: Record<string, string> = { "README.md": "# hello\n" }): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, value]) => [name, text(value)])));
}

/** A zip whose one entry is `size` bytes of incompressible data (stored, so the archive is that big). */
export function bigZip(size: number): Uint8Array {
  return zipSync({ "blob.bin": [random(size), { level: 0 }] });
}

export function multipartUpload(file: Uint8Array, fields: Record<string, string> = {}, fieldName = "file"): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append(fieldName, new Blob([file], { type: "application/zip" }), "artifacts.zip");
  return form;
}
