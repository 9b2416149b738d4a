/**
 * Button actions: compact strings that carry everything a press needs (no server-side state), so
 * buttons keep working after a restart. `<verb>:<argument>`, at most 64 bytes (Telegram's limit).
 */

const GENERATION_VERBS = {
  r: 'reroll',
  p: 'publish',
  u: 'unpublish',
  f: 'favorite',
  d: 'delete',
  a: 'animate',
  '3': 'make3d',
  s: 'show',
  c: 'cancel',
  x: 'upscale',
  v: 'vary',
  w: 'web',
} as const;

export type GenerationVerb = (typeof GENERATION_VERBS)[keyof typeof GENERATION_VERBS];

export type PressAction =
  | { verb: GenerationVerb; generationId: string }
  /** Make a model the default (the /models picker). */
  | { verb: 'use-model'; modelId: string }
  /** A page of /history. */
  | { verb: 'history'; page: number }
  /** A page of the /models picker, for one category or all. */
  | { verb: 'models-page'; category: string | null; page: number };

const CODE_OF = Object.fromEntries(
  Object.entries(GENERATION_VERBS).map(([code, verb]) => [verb, code]),
) as Record<GenerationVerb, string>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const MAX_ACTION_BYTES = 64;

export function encodeAction(action: PressAction): string {
  switch (action.verb) {
    case 'models-page':
      return `mp:${action.category ?? '*'}:${action.page}`;
    case 'use-model':
      return `m:${action.modelId}`;
    case 'history':
      return `h:${action.page}`;
    default:
      return `${CODE_OF[action.verb]}:${action.generationId}`;
  }
}

/** Whether an encoded action fits the platforms' limits (a long model id might not). */
export function fits(encoded: string): boolean {
  return Buffer.byteLength(encoded) <= MAX_ACTION_BYTES;
}

/** The action behind a button's string; null for anything we did not make. */
export function decodeAction(encoded: string): PressAction | null {
  const at = encoded.indexOf(':');
  if (at < 1) return null;
  const code = encoded.slice(0, at);
  const arg = encoded.slice(at + 1);
  if (code === 'mp') {
    const page = /^([a-z0-9*]{1,10}):(\d{1,3})$/.exec(arg);
    if (!page || Number(page[2]) < 1) return null;
    return { verb: 'models-page', category: page[1] === '*' ? null : page[1]!, page: Number(page[2]) };
  }
  if (code === 'm') return arg ? { verb: 'use-model', modelId: arg } : null;
  if (code === 'h')
    return /^\d{1,3}$/.test(arg) && Number(arg) >= 1 ? { verb: 'history', page: Number(arg) } : null;
  const verb = GENERATION_VERBS[code as keyof typeof GENERATION_VERBS];
  return verb && UUID.test(arg) ? { verb, generationId: arg } : null;
}
