/**
 * GIF-flavoured LZW (GIF89a spec, appendix F): variable-width codes packed LSB-first, starting at
 * minCodeSize + 1 bits, growing to at most 12, with a clear code whenever the table fills.
 *
 * The code-width bookkeeping mirrors what decoders do exactly. A decoder adds each table entry one
 * code later than the encoder, so after the encoder emits its k-th code its "next free code" equals
 * the decoder's next free code after reading that same code; both widen when that value reaches
 * 2^width. Getting this off by one produces files that only some decoders accept.
 */
const MAX_CODE = 4096;
const MAX_CODE_BITS = 12;

/** Returns the packed LZW stream (without the GIF sub-block framing). */
export function lzwEncode(indices: Uint8Array, minCodeSize: number): Uint8Array {
  if (minCodeSize < 2 || minCodeSize > 8)
    throw new RangeError(`invalid LZW minimum code size ${minCodeSize}`);
  const clearCode = 1 << minCodeSize;
  const endCode = clearCode + 1;
  // Dense table keyed by (prefix code, next symbol); -1 = absent. 4096 << 8 entries = 2 MiB max.
  const table = new Int16Array(MAX_CODE << minCodeSize);
  // Upper bound: every pixel its own code, plus clears, plus clear/end, each at most 12 bits.
  const maxCodes = indices.length + Math.ceil(indices.length / (MAX_CODE - endCode - 1)) + 4;
  const out = new Uint8Array(Math.ceil((maxCodes * MAX_CODE_BITS) / 8) + 1);
  let byteLength = 0;
  let bitBuffer = 0;
  let bitCount = 0;
  const emit = (code: number, width: number): void => {
    bitBuffer |= code << bitCount;
    bitCount += width;
    while (bitCount >= 8) {
      out[byteLength++] = bitBuffer & 0xff;
      bitBuffer >>>= 8;
      bitCount -= 8;
    }
  };

  let codeSize = minCodeSize + 1;
  let nextCode = endCode + 1;
  table.fill(-1);
  emit(clearCode, codeSize);

  const first = indices[0];
  if (first !== undefined) {
    const symbolMask = clearCode - 1;
    let prefix = first & symbolMask;
    for (let i = 1; i < indices.length; i++) {
      const symbol = (indices[i] ?? 0) & symbolMask;
      const key = (prefix << minCodeSize) | symbol;
      const existing = table[key] ?? -1;
      if (existing >= 0) {
        prefix = existing;
        continue;
      }
      emit(prefix, codeSize);
      if (nextCode === MAX_CODE) {
        // Table full: reset rather than continue with a frozen table (simpler, decoders all agree).
        emit(clearCode, codeSize);
        table.fill(-1);
        codeSize = minCodeSize + 1;
        nextCode = endCode + 1;
      } else {
        if (nextCode >= 1 << codeSize) codeSize++;
        table[key] = nextCode++;
      }
      prefix = symbol;
    }
    emit(prefix, codeSize);
    // The decoder adds an entry for that last code too, and may widen before reading the end code.
    if (nextCode >= 1 << codeSize && codeSize < MAX_CODE_BITS) codeSize++;
  }
  emit(endCode, codeSize);
  if (bitCount > 0) out[byteLength++] = bitBuffer & 0xff;
  return out.subarray(0, byteLength);
}
