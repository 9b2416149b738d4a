import Stripe from 'stripe';
import type { Config } from '../../config';

/**
 * The Stripe SDK from configuration, or null when STRIPE_SECRET_KEY is unset (billing not configured).
 * STRIPE_API_URL points it at another server (a proxy, or the test fake).
 */
export function createStripeClient(config: Pick<Config, 'stripe'>): Stripe | null {
  if (!config.stripe) return null;
  const api = config.stripe.apiUrl ? new URL(config.stripe.apiUrl) : null;
  return new Stripe(config.stripe.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(api
      ? {
          host: api.hostname,
          port: Number(api.port || (api.protocol === 'https:' ? 443 : 80)),
          protocol: api.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}
