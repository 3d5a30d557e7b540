import { describe, expect, it } from "vitest";
import { detectContentType, isSvg, sniffedContentType, typeByExtension } from "../../../lib/downloads/content-type";
import { text as bytes } from "../../helpers/bytes";

describe("typeByExtension (the job-id route)", () => {
  it("maps extensions as Go's mime.TypeByExtension does, case-insensitively as a fallback", () => {
    expect(typeByExtension("site/index.html")).toBe("text/html; charset=utf-8");
    expect(typeByExtension("a/b.JS")).toBe("text/javascript; charset=utf-8");
    expect(typeByExtension("report.json")).toBe("application/json");
    expect(typeByExtension("notes.txt")).toBe("text/plain; charset=utf-8");
    expect(typeByExtension("logo.svg")).toBe("image/svg+xml");
    expect(typeByExtension("doc.pdf")).toBe("application/pdf");
  });

  it("falls back to application/octet-stream without a known extension", () => {
    expect(typeByExtension("Makefile")).toBe("application/octet-stream");
    expect(typeByExtension("dir.with.dots/file")).toBe("application/octet-stream");
    expect(typeByExtension("archive.unknownext")).toBe("application/octet-stream");
  });
});

describe("sniffing (the ref route)", () => {
  it("detects HTML, XML and plain text as text", () => {
    expect(detectContentType(bytes("  <!DOCTYPE html><html>"))).toBe("text/html; charset=utf-8");
    expect(detectContentType(bytes("<?xml version='1.0'?><a/>"))).toBe("text/xml; charset=utf-8");
    expect(detectContentType(bytes("just words\n"))).toBe("text/plain; charset=utf-8");
  });

  it.each(["<html><script>x</script>", "<?xml version='1.0'?><a/>", "alert(1)"])(
    "makes textual content text/plain: %s",
    (text) => {
      expect(sniffedContentType(bytes(text))).toBe("text/plain; charset=utf-8");
    },
  );

  it("keeps binary types it recognises", () => {
    expect(sniffedContentType(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBe("image/png");
    expect(sniffedContentType(bytes("%PDF-1.4"))).toBe("application/pdf");
    expect(sniffedContentType(bytes("PK\x03\x04rest"))).toBe("application/zip");
    expect(sniffedContentType(Uint8Array.of(0x1f, 0x8b, 0x08, 0))).toBe("application/x-gzip");
    expect(sniffedContentType(Uint8Array.of(0, 1, 2, 3))).toBe("application/octet-stream");
  });

  it("recognises SVG behind an XML prologue, comments and a doctype", () => {
    const svg =
      '<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<svg width="1">';
    expect(isSvg(bytes(svg))).toBe(true);
    expect(sniffedContentType(bytes(svg))).toBe("image/svg+xml");
    expect(isSvg(bytes("<svgx>"))).toBe(false);
    expect(isSvg(bytes("<html><svg></svg></html>"))).toBe(false);
  });
});
