/**
 * Embedded 5x7 bitmap font for printable ASCII (32..126), so demo media can carry readable
 * text without any font files or native dependencies.
 *
 * Each glyph is 5 column bytes (hex), left to right; bit 0 is the top row, bit 6 the bottom.
 * This is the classic HD44780-style LCD layout, which keeps the table compact and easy to audit.
 */
const GLYPHS: readonly string[] = [
  '0000000000', // ' '
  '00005f0000', // !
  '0007000700', // "
  '147f147f14', // #
  '242a7f2a12', // $
  '2313086462', // %
  '3649552250', // &
  '0005030000', // '
  '001c224100', // (
  '0041221c00', // )
  '082a1c2a08', // *
  '08083e0808', // +
  '0050300000', // ,
  '0808080808', // -
  '0060600000', // .
  '2010080402', // /
  '3e5149453e', // 0
  '00427f4000', // 1
  '4261514946', // 2
  '2141454b31', // 3
  '1814127f10', // 4
  '2745454539', // 5
  '3c4a494930', // 6
  '0171090503', // 7
  '3649494936', // 8
  '064949291e', // 9
  '0036360000', // :
  '0056360000', // ;
  '0814224100', // <
  '1414141414', // =
  '0041221408', // >
  '0201510906', // ?
  '324979413e', // @
  '7e1111117e', // A
  '7f49494936', // B
  '3e41414122', // C
  '7f4141221c', // D
  '7f49494941', // E
  '7f09090101', // F
  '3e41495132', // G
  '7f0808087f', // H
  '00417f4100', // I
  '2040413f01', // J
  '7f08142241', // K
  '7f40404040', // L
  '7f020c027f', // M
  '7f0408107f', // N
  '3e4141413e', // O
  '7f09090906', // P
  '3e4151215e', // Q
  '7f09192946', // R
  '4649494931', // S
  '01017f0101', // T
  '3f4040403f', // U
  '1f2040201f', // V
  '3f4038403f', // W
  '6314081463', // X
  '0708700807', // Y
  '6151494543', // Z
  '007f414100', // [
  '0204081020', // backslash
  '0041417f00', // ]
  '0402010204', // ^
  '4040404040', // _
  '0001020400', // `
  '2054545478', // a
  '7f48444438', // b
  '3844444420', // c
  '384444487f', // d
  '3854545418', // e
  '087e090102', // f
  '0c5252523e', // g
  '7f08040478', // h
  '00447d4000', // i
  '2040443d00', // j
  '7f10284400', // k
  '00417f4000', // l
  '7c04180478', // m
  '7c08040478', // n
  '3844444438', // o
  '7c14141408', // p
  '081414187c', // q
  '7c08040408', // r
  '4854545420', // s
  '043f444020', // t
  '3c4040207c', // u
  '1c2040201c', // v
  '3c4030403c', // w
  '4428102844', // x
  '0c5050503c', // y
  '4464544c44', // z
  '0008364100', // {
  '00007f0000', // |
  '0041360800', // }
  '0804081008', // ~
];

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Advance per character and per line in font pixels (glyph plus 1px / 3px spacing). */
export const CELL_WIDTH = 6;
export const LINE_HEIGHT = 10;

const FIRST_CODE = 32;
const FALLBACK = '?';

/** Glyph columns decoded once at module load. */
const COLUMNS: readonly Uint8Array[] = GLYPHS.map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')));

/**
 * Maps arbitrary text onto the font's repertoire: whitespace runs collapse to one space and any
 * code point outside printable ASCII becomes '?', one per code point (so an emoji is one '?').
 */
export function toFontText(text: string): string {
  let out = '';
  for (const ch of text.replace(/\s+/gu, ' ')) {
    const code = ch.codePointAt(0) ?? 0;
    out += code >= FIRST_CODE && code <= 126 ? ch : FALLBACK;
  }
  return out.trim();
}

/** True when font pixel (col, row) of `ch` is lit. `ch` must already be font text. */
export function glyphPixel(ch: string, col: number, row: number): boolean {
  const columns =
    COLUMNS[(ch.codePointAt(0) ?? FIRST_CODE) - FIRST_CODE] ?? COLUMNS[FALLBACK.charCodeAt(0) - FIRST_CODE];
  const bits = columns?.[col] ?? 0;
  return ((bits >> row) & 1) === 1;
}

/** Width in device pixels of `text` at integer `scale`, without trailing spacing. */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * CELL_WIDTH - 1) * scale;
}

/**
 * Greedy word wrap to `maxChars` per line; words longer than a line are hard-split so nothing
 * overflows. At most `maxLines` lines are kept; when text is cut the last line ends in "...".
 */
export function wrapText(text: string, maxChars: number, maxLines: number): string[] {
  const width = Math.max(1, maxChars);
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ').filter((w) => w.length > 0)) {
    let rest = word;
    while (rest.length > 0) {
      const joined = current.length === 0 ? rest : `${current} ${rest}`;
      if (joined.length <= width) {
        current = joined;
        rest = '';
      } else if (current.length > 0) {
        lines.push(current);
        current = '';
      } else {
        lines.push(rest.slice(0, width));
        rest = rest.slice(width);
      }
    }
  }
  if (current.length > 0) lines.push(current);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, Math.max(1, maxLines));
  const last = kept[kept.length - 1] ?? '';
  kept[kept.length - 1] = `${last.slice(0, Math.max(0, width - 3))}...`;
  return kept;
}
