/**
 * Bytes to text lines. FAERS files are single-byte text: ASCII in practice,
 * with the odd Windows-1252 / Latin-1 character (accented names, curly quotes)
 * in free-text columns. They are decoded as Windows-1252, the WHATWG meaning
 * of "latin1" (a superset of ISO-8859-1 for printable characters), so no byte
 * sequence can fail to decode and no chunk boundary can split a character.
 */

export const FAERS_TEXT_ENCODING = 'windows-1252';

/**
 * Splits a byte stream into lines, yielding them in batches (one batch per
 * chunk read) so that callers await once per chunk, not once per line.
 * Handles LF and CRLF line ends and a last line without a line end. Empty
 * lines are dropped. Each line comes with its 1-based physical line number.
 */
export async function* readLineBatches(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<LineBatch> {
  const decoder = new TextDecoder(FAERS_TEXT_ENCODING);
  let carry = '';
  let lineNo = 0;
  for await (const chunk of chunks) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    const lines: string[] = [];
    const numbers: number[] = [];
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      lineNo += 1;
      const line = stripCr(text.slice(start, end));
      if (line.length > 0) {
        lines.push(line);
        numbers.push(lineNo);
      }
      start = end + 1;
    }
    carry = text.slice(start);
    if (lines.length > 0) yield { lines, numbers };
  }
  const tail = stripCr(carry + decoder.decode());
  if (tail.length > 0) yield { lines: [tail], numbers: [lineNo + 1] };
}

export interface LineBatch {
  readonly lines: readonly string[];
  readonly numbers: readonly number[];
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
