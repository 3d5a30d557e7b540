import { concat } from "./bytes";

/**
 * Reads up to `n` bytes off the front of a stream; returns them (the chunks read, so perhaps more)
 * and a stream of the whole.
 */
export async function peek(stream: ReadableStream<Uint8Array>, n: number) {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const next = await reader.read();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  // One chunk (the usual case: storage's first, a decoded entry's first) is not copied.
  const head = chunks.length === 1 ? (chunks[0] as Uint8Array) : concat(...chunks);
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
      if (done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { head, rest, reader };
}
