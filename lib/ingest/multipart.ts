import * as Multipasta from "multipasta";
import { artifactTooLarge, badRequest } from "../errors";

/** Limits on the small text fields beside the file (an upload's parameters). */
const MAX_FIELD_BYTES = 64 * 1024;
const MAX_PARTS = 16;
/** Bytes of a file part queued ahead of its consumer before the request body stops being read. */
const FILE_HIGH_WATER = 1024 * 1024;
/** What a body may hold beside its file: the fields and every part's headers. */
const MAX_OVERHEAD_BYTES = MAX_PARTS * (MAX_FIELD_BYTES + 1024);

export interface MultipartHandlers {
  field(name: string, value: string): void;
  /** Consumes one file part; the body is read no faster than this consumes it. */
  file(name: string, body: ReadableStream<Uint8Array>): Promise<void>;
}

/**
 * Reads a multipart/form-data request as a stream, with backpressure: a file part reaches
 * its consumer chunk by chunk and is never held whole in memory. Malformed bodies are 400.
 * A file part past `maxFileBytes`, or a body past it and its overhead (by Content-Length before
 * reading, else by counting), is 413 at once: the body is read no further and the part errors.
 */
export async function readMultipart(
  request: Request,
  handlers: MultipartHandlers,
  limits: { maxFileBytes: number },
): Promise<void> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data;/i.test(contentType) || !request.body) throw badRequest("multipart/form-data expected");
  const maxBodyBytes = limits.maxFileBytes + MAX_OVERHEAD_BYTES;
  if (Number(request.headers.get("content-length") ?? 0) > maxBodyBytes) {
    await request.body.cancel().catch(() => {});
    throw artifactTooLarge();
  }

  let failure: unknown;
  // The file part being received, if any; a consumer that cancels it gets no more chunks.
  let current: { controller: ReadableStreamDefaultController<Uint8Array>; canceled: boolean } | undefined;
  let wake: (() => void) | undefined;
  const consumers: Promise<void>[] = [];
  let finished = false;

  const parser = Multipasta.make({
    headers: { "content-type": contentType },
    maxParts: MAX_PARTS,
    maxFieldSize: MAX_FIELD_BYTES,
    isFile: (info) => info.filename !== undefined,
    onField: (info, value) => handlers.field(info.name, Multipasta.decodeField(info, value)),
    onFile: (info) => {
      const part = {
        controller: undefined as unknown as ReadableStreamDefaultController<Uint8Array>,
        canceled: false,
        bytes: 0,
      };
      const body = new ReadableStream<Uint8Array>(
        {
          start: (c) => {
            part.controller = c;
          },
          pull: () => wake?.(),
          cancel: () => {
            part.canceled = true;
            wake?.();
          },
        },
        new ByteLengthQueuingStrategy({ highWaterMark: FILE_HIGH_WATER }),
      );
      current = part;
      consumers.push(
        handlers.file(info.name, body).catch((error) => {
          failure ??= error;
          wake?.();
        }),
      );
      return (chunk) => {
        if (part.canceled || failure !== undefined) return;
        part.bytes += chunk?.length ?? 0;
        if (part.bytes > limits.maxFileBytes) {
          failure = artifactTooLarge();
          return;
        }
        if (chunk === null) {
          part.controller.close();
          current = undefined;
        } else {
          part.controller.enqueue(chunk);
        }
      };
    },
    onError: (error) => {
      failure ??= badRequest(`invalid multipart body (${error._tag})`);
    },
    onDone: () => {
      finished = true;
    },
  });

  const reader = request.body.getReader();
  let bodyBytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bodyBytes += value.length;
      if (bodyBytes > maxBodyBytes) {
        failure ??= artifactTooLarge();
        break;
      }
      parser.write(value);
      while (failure === undefined && current && !current.canceled && (current.controller.desiredSize ?? 1) <= 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      if (failure !== undefined) break;
    }
    if (failure === undefined) parser.end();
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) {
    await reader.cancel().catch(() => {});
    if (current && !current.canceled) current.controller.error(failure);
  } else if (!finished) {
    failure = badRequest("invalid multipart body (EndNotReached)");
    if (current && !current.canceled) current.controller.error(failure);
  }
  await Promise.all(consumers);
  if (failure !== undefined) throw failure;
}
