import type { IncomingMessage, ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import type { Db } from '../db/database';
import { handleStripeEvent } from '../domain/billing/stripe-events.service';
import type { Logger } from '../logger';
import { readBody, sendJson } from './server';

const MAX_WEBHOOK_BYTES = 1024 * 1024;
/** Stripe's own default: a signature older than five minutes is refused (replay protection). */
const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * POST /webhooks/stripe: verifies the Stripe-Signature over the raw body, then handles the event
 * before answering, so a failure answers 500 and Stripe delivers it again. Bad signatures get 400
 * and change nothing. Without STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET it answers 503.
 */
export function createStripeWebhookRoute(deps: {
  db: Db;
  stripe: Stripe | null;
  webhookSecret: string | undefined;
  logger: Logger;
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'Use POST' });
      return true;
    }
    const { stripe, webhookSecret } = deps;
    if (!stripe || !webhookSecret) {
      sendJson(res, 503, { error: 'Billing is not configured on this server' });
      return true;
    }
    const body = await readBody(req, MAX_WEBHOOK_BYTES);
    if (!body) {
      sendJson(res, 413, { error: 'Webhook body too large' });
      return true;
    }
    const signature = req.headers['stripe-signature'];
    let event: Stripe.Event;
    try {
      if (typeof signature !== 'string') throw new Error('missing Stripe-Signature header');
      event = stripe.webhooks.constructEvent(body, signature, webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
    } catch (error) {
      deps.logger.warn('stripe webhook refused', {
        reason: error instanceof Error ? error.message : 'invalid',
      });
      sendJson(res, 400, { error: 'Invalid Stripe signature' });
      return true;
    }
    try {
      const outcome = await handleStripeEvent({ db: deps.db, stripe, logger: deps.logger }, event);
      deps.logger.info('stripe event', { eventId: event.id, type: event.type, outcome });
      sendJson(res, 200, { received: true, outcome });
    } catch (error) {
      deps.logger.error('stripe event failed; Stripe will retry', {
        eventId: event.id,
        type: event.type,
        error,
      });
      sendJson(res, 500, { error: 'Could not process the event; retry later' });
    }
    return true;
  };
}
