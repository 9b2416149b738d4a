import type { AppErrorCode } from '@atelier/core/client';
import type { CoreFailure } from './core-client';
import { credits } from './reply';

/** core's AppError codes; one sentence each, written for the person in the chat. */
export type AppCode = AppErrorCode;

export interface ErrorWording {
  /** The signed billing link for "insufficient credits" (omitted where others would see it). */
  buyUrl?: string;
  /** The platform's word for a space (default "group"). */
  spaceNoun?: string;
}

const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
const sentence = (text: string) => {
  const trimmed = text.trim();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
};

/** "prompt: too long; num_images: must be at most 4" */
function fieldSummary(fieldErrors: Record<string, string[]>): string {
  return Object.entries(fieldErrors)
    .filter(([, messages]) => messages.length > 0)
    .map(
      ([field, messages]) =>
        `${field === '_' || field === 'input' ? '' : `${field}: `}${messages.join(', ')}`,
    )
    .join('; ');
}

const SENTENCES: Record<AppCode, (f: CoreFailure, w: ErrorWording) => string> = {
  INVALID_INPUT: (f) => {
    const fields = fieldSummary(f.fieldErrors);
    const base =
      f.message && f.message !== 'Some fields are not valid' ? f.message : 'Some options are not right';
    // Core often words the whole problem in the message; the field list then adds nothing.
    const said = Object.values(f.fieldErrors)
      .flat()
      .every((m) => base.includes(m.replace(/[.!]$/, '')));
    return sentence(
      fields && !said && !base.includes(fields) ? `${base.replace(/[.!]$/, '')} (${fields})` : base,
    );
  },
  NOT_FOUND: () => "I couldn't find that: it may have been deleted, or it belongs to someone else.",
  FORBIDDEN: (f) =>
    sentence(`You are not allowed to do that here${f.message ? `: ${lower(f.message)}` : ''}`),
  UNAUTHORIZED: () =>
    'This bot is not connected to Atelier properly; an admin needs to check its service token.',
  INSUFFICIENT_CREDITS: (f, w) => {
    const price = num(f.details.price);
    const available = num(f.details.available);
    if (f.details.accountKind === 'team') {
      // Only the space's admins can top a pool up; the kit hands them their link privately.
      const space = w.spaceNoun ?? 'group';
      const facts =
        price !== null && available !== null
          ? ` (this costs ${credits(price)}; ${credits(available)} left)`
          : '';
      const state = available ? 'does not have enough credits' : 'is out of credits';
      return `This ${space}'s team pool ${state}${facts}. An admin of this ${space} can top it up with /buy.`;
    }
    const facts =
      price !== null && available !== null
        ? `: this costs ${credits(price)} and you have ${credits(available)}`
        : '';
    const buy = w.buyUrl ? `top up here: ${w.buyUrl}` : 'top up with /buy';
    return `Not enough credits${facts}; ${buy}`;
  },
  CAP_EXCEEDED: (f, w) => {
    const price = num(f.details.price);
    const cap = num(f.details.cap);
    const used = num(f.details.used);
    const facts =
      price !== null && cap !== null && used !== null
        ? `: this costs ${credits(price)} and you have used ${used} of your ${credits(cap)} this month`
        : '';
    return `That would go past your monthly limit in this ${w.spaceNoun ?? 'group'}${facts}.`;
  },
  RATE_LIMITED: (f) => {
    const wait = num(f.details.retryAfterSeconds);
    const why = f.message ? `${sentence(f.message)} ` : '';
    return `Slow down a little: ${lower(why)}${wait ? `Try again in about ${wait} seconds.` : 'Try again shortly.'}`.trim();
  },
  CONFLICT: (f) => sentence(`That can't be done right now${f.message ? `: ${lower(f.message)}` : ''}`),
  MODEL_DISABLED: (f) =>
    sentence(
      `${f.message ? f.message.replace(/[.!]$/, '') : 'That model is switched off'}; pick another with /models`,
    ),
  PROMPT_BLOCKED: (f) => {
    const term = typeof f.details.term === 'string' ? f.details.term : null;
    return `Your prompt contains ${term ? `"${term}", which` : 'a word or phrase'} this service does not allow; please rephrase it (nothing was charged).`;
  },
  PROVIDER_FAILED: () => 'The model service could not make this; your credits were returned.',
  UNAVAILABLE: () => 'Atelier is temporarily unavailable; please try again in a minute.',
};

const ORDINARY_FIRST_WORDS = new Set([
  'A',
  'An',
  'The',
  'You',
  'Your',
  'Only',
  'Wait',
  'That',
  'This',
  'It',
  'There',
]);

/** Lower-cases a message's first word when it is an ordinary word (never a model or product name). */
function lower(text: string): string {
  const first = /^[A-Za-z]+/.exec(text)?.[0];
  return first && ORDINARY_FIRST_WORDS.has(first) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** The one sentence a chat user sees for a failed core call. */
export function errorSentence(failure: CoreFailure, wording: ErrorWording = {}): string {
  // Every core failure carries an app code (authentication ones too); none means transport or a bug.
  const wordFor = failure.appCode ? SENTENCES[failure.appCode] : undefined;
  if (wordFor) return wordFor(failure, wording);
  return 'Something went wrong on our side; please try again in a moment.';
}

/** The failure reason of a finished generation, as a sentence that says the credits came back. */
export function failureSentence(reason: string | null, price: number, cancelled = false): string {
  if (cancelled) return `Cancelled; your ${credits(price)} came back.`;
  const why = reason ? sentence(reason) : 'The model could not make this.';
  return `${why} Your ${credits(price)} ${price === 1 ? 'was' : 'were'} returned.`;
}
