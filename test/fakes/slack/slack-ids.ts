import { randomBytes } from 'node:crypto';

// Slack's id shapes: a one-letter kind prefix and upper-case alphanumerics (T team, E enterprise,
// U user, B bot, A app, C channel, G private channel, D direct message, F file, V view, Ev event).
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';

export type IdKind = 'T' | 'E' | 'U' | 'B' | 'A' | 'C' | 'G' | 'D' | 'F' | 'V' | 'Ev';

export function slackId(kind: IdKind, length = 10): string {
  const bytes = randomBytes(length);
  let id = kind;
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

export function randomToken(prefix: string): string {
  return `${prefix}-${randomBytes(6).readUIntBE(0, 6)}-${randomBytes(18).toString('hex')}`;
}

/**
 * Message timestamps: `seconds.micros`, unique and increasing within the fake (Slack's `ts` is both
 * the time and the message's id in its channel).
 */
export class TsClock {
  private last = 0;

  constructor(private readonly now: () => number) {}

  next(): string {
    const micros = Math.max(this.now() * 1000, this.last + 1);
    this.last = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }
}
