/**
 * Text PostgreSQL can store. A NUL character is refused by every text column, and an unpaired UTF-16
 * surrogate is not valid UTF-8, so either would fail deep in a query as a 500. One rule, checked at the
 * edge for every procedure input (and the bot's actor header), turns them into a field error.
 */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !UNPAIRED_SURROGATE.test(text);
}

export const UNSTORABLE_TEXT_MESSAGE = 'contains a NUL character or an unpaired surrogate';

/** The dotted path of the first string (value or object key) in `value` that is not storable, else null. */
export function findUnstorableText(value: unknown, path: readonly (string | number)[] = []): string | null {
  if (typeof value === 'string') return isStorableText(value) ? null : pathText(path);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorableText(item, [...path, i]);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) return pathText([...path, key]);
      const found = findUnstorableText(item, [...path, key]);
      if (found !== null) return found;
    }
  }
  return null;
}

function pathText(path: readonly (string | number)[]): string {
  return path.length === 0
    ? 'input'
    : path.map((p) => (typeof p === 'string' ? p.replace(/[^\x20-\x7e]/g, '?') : p)).join('.');
}
