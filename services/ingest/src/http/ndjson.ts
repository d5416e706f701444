/** One physical line of an NDJSON body. */
export type NdjsonLine = { readonly line: number; readonly text: string } | { readonly line: number; readonly tooLarge: true };

/**
 * Splits a byte stream into lines without ever holding more than
 * `maxLineBytes` of one line: an oversized line is reported (and skipped to
 * its end) instead of growing memory. Blank lines are skipped but counted.
 */
export async function* splitNdjson(body: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<NdjsonLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let line = 0;
  const emit = function* (buf: Buffer): Generator<NdjsonLine> {
    line++;
    let text = buf.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim().length > 0) yield { line, text };
  };
  for await (const raw of body) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    while (chunk.length > 0) {
      const nl = chunk.indexOf(0x0a);
      const piece = nl === -1 ? chunk : chunk.subarray(0, nl);
      if (!skipping) {
        if (size + piece.length > maxLineBytes) {
          skipping = true;
          parts = [];
          size = 0;
        } else {
          parts.push(piece);
          size += piece.length;
        }
      }
      if (nl === -1) break;
      if (skipping) {
        line++;
        yield { line, tooLarge: true };
        skipping = false;
      } else {
        yield* emit(Buffer.concat(parts, size));
      }
      parts = [];
      size = 0;
      chunk = chunk.subarray(nl + 1);
    }
  }
  if (skipping) {
    line++;
    yield { line, tooLarge: true };
  } else if (size > 0) {
    yield* emit(Buffer.concat(parts, size));
  }
}
