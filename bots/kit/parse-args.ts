/** Pure parsing of what people type: the command word, tokens, ids, LoRA choices, on/off. */

/** A problem with what the user typed; the message is shown with the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** "/gen@my_bot a red fox" -> { command: 'gen', rest: 'a red fox' }; null when the text is no command. */
export function splitCommand(text: string): { command: string; mention: string | null; rest: string } | null {
  const match = /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return null;
  return { command: match[1]!.toLowerCase(), mention: match[2] ?? null, rest: (match[3] ?? '').trim() };
}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '„': '“', '«': '»', '‘': '’' };

/** Splits on whitespace, keeping quoted parts together (quotes removed). Unclosed quotes run to the end. */
export function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let closing: string | null = null;
  for (const ch of input) {
    if (closing !== null) {
      if (ch === closing) closing = null;
      else current += ch;
      continue;
    }
    const close = QUOTES[ch];
    // A quote opens only at the start of a token or after '=' (`--no="x y"`), so "don't" stays one word.
    if (close !== undefined && (!inToken || current.endsWith('='))) {
      closing = close;
      inToken = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
      continue;
    }
    current += ch;
    inToken = true;
  }
  if (inToken) tokens.push(current);
  return tokens;
}
