import { describe, expect, it } from 'vitest';
import type { CoreFailure } from './core-client';
import { type AppCode, errorSentence, failureSentence } from './error-text';
import { progressText } from './progress';

const failure = (appCode: AppCode | null, more: Partial<CoreFailure> = {}): CoreFailure => ({
  appCode,
  message: '',
  fieldErrors: {},
  details: {},
  code: null,
  ...more,
});

describe('one sentence per error code', () => {
  const cases: [AppCode, Partial<CoreFailure>, string][] = [
    [
      'INVALID_INPUT',
      {
        message: 'Some options are not right for FLUX.1 [schnell]',
        fieldErrors: { num_images: ['Too big: expected number to be <=4'] },
      },
      'Some options are not right for FLUX.1 [schnell] (num_images: Too big: expected number to be <=4).',
    ],
    [
      'INVALID_INPUT',
      { message: 'That link code has expired; ask for a new one with /link' },
      'That link code has expired; ask for a new one with /link.',
    ],
    [
      'NOT_FOUND',
      { message: 'Generation not found' },
      "I couldn't find that: it may have been deleted, or it belongs to someone else.",
    ],
    [
      'FORBIDDEN',
      { message: 'A moderator removed this item from the gallery' },
      'You are not allowed to do that here: a moderator removed this item from the gallery.',
    ],
    [
      'UNAUTHORIZED',
      {},
      'This bot is not connected to Atelier properly; an admin needs to check its service token.',
    ],
    [
      'INSUFFICIENT_CREDITS',
      { details: { price: 320, available: 50, accountKind: 'personal' } },
      'Not enough credits: this costs 320 credits and you have 50 credits; top up with /buy',
    ],
    [
      'INSUFFICIENT_CREDITS',
      { details: { price: 1, available: 0, accountKind: 'team' } },
      "This group's team pool is out of credits (this costs 1 credit; 0 credits left). An admin of this group can top it up with /buy.",
    ],
    [
      'INSUFFICIENT_CREDITS',
      { details: { price: 320, available: 40, accountKind: 'team' } },
      "This group's team pool does not have enough credits (this costs 320 credits; 40 credits left). An admin of this group can top it up with /buy.",
    ],
    [
      'CAP_EXCEEDED',
      { details: { price: 8, cap: 100, used: 96 } },
      'That would go past your monthly limit in this group: this costs 8 credits and you have used 96 of your 100 credits this month.',
    ],
    [
      'RATE_LIMITED',
      {
        message: 'You already have 4 generations running; wait for one to finish',
        details: { retryAfterSeconds: 10 },
      },
      'Slow down a little: you already have 4 generations running; wait for one to finish. Try again in about 10 seconds.',
    ],
    [
      'CONFLICT',
      { message: 'Wait until it finishes or cancel it' },
      "That can't be done right now: wait until it finishes or cancel it.",
    ],
    [
      'MODEL_DISABLED',
      { message: 'Veo 3 is switched off at the moment' },
      'Veo 3 is switched off at the moment; pick another with /models.',
    ],
    [
      'PROMPT_BLOCKED',
      {},
      'Your prompt contains a word or phrase this service does not allow; please rephrase it (nothing was charged).',
    ],
    [
      'PROMPT_BLOCKED',
      { details: { term: 'gore' } },
      'Your prompt contains "gore", which this service does not allow; please rephrase it (nothing was charged).',
    ],
    ['PROVIDER_FAILED', {}, 'The model service could not make this; your credits were returned.'],
    ['UNAVAILABLE', {}, 'Atelier is temporarily unavailable; please try again in a minute.'],
  ];
  it.each(cases)('%s %j', (code, more, sentence) => {
    expect(errorSentence(failure(code, more))).toBe(sentence);
  });

  it('insufficient credits carries the billing link when there is one', () => {
    const text = errorSentence(failure('INSUFFICIENT_CREDITS', { details: { price: 2, available: 1 } }), {
      buyUrl: 'https://atelier.example/billing?t=abc',
    });
    expect(text).toBe(
      'Not enough credits: this costs 2 credits and you have 1 credit; top up here: https://atelier.example/billing?t=abc',
    );
  });

  it.each([
    [
      failure('UNAUTHORIZED', { code: 'UNAUTHORIZED', message: 'Unknown or revoked service token' }),
      /service token/,
    ],
    [failure(null, { code: 'NOT_FOUND' }), /^Something went wrong on our side/],
    [failure(null, { message: 'fetch failed' }), /^Something went wrong on our side/],
  ])('one table, keyed by app code alone: %j', (f, pattern) => {
    expect(errorSentence(f)).toMatch(pattern);
  });
});

describe('progress and failure wording', () => {
  const base = { modelName: 'FLUX.1 [schnell]', price: 1 };
  it.each([
    [{ status: 'starting' }, 'Generating with FLUX.1 [schnell] for 1 credit…'],
    [
      { status: 'queued', queuePosition: 3 },
      'Generating with FLUX.1 [schnell] for 1 credit: queued (position 3)…',
    ],
    [{ status: 'submitted', queuePosition: 0 }, 'Generating with FLUX.1 [schnell] for 1 credit: queued…'],
    [{ status: 'processing', progress: 40 }, 'Generating with FLUX.1 [schnell] for 1 credit: ▰▰▰▰▱▱▱▱▱▱ 40%'],
    [{ status: 'processing', progress: null }, 'Generating with FLUX.1 [schnell] for 1 credit: generating…'],
    [{ status: 'succeeded' }, 'Done: FLUX.1 [schnell], 1 credit.'],
    [
      { status: 'succeeded', sentPrivately: true },
      'Done: FLUX.1 [schnell], 1 credit. I sent the result to you privately.',
    ],
    [
      { status: 'failed', failureReason: 'The model rejected the prompt' },
      'Failed: The model rejected the prompt. Your 1 credit was returned.',
    ],
    [{ status: 'cancelled' }, 'Cancelled; your 1 credit came back.'],
  ] as const)('%j', (state, text) => {
    expect(progressText({ ...base, ...state })).toBe(text);
  });

  it('states how many credits came back', () => {
    expect(failureSentence(null, 3)).toBe('The model could not make this. Your 3 credits were returned.');
  });
});
