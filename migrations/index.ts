import type { Migration } from 'kysely';
import * as foundation from './2026-11-24-01-foundation';
import * as generation from './2026-11-24-02-generation';
import * as deliveryLeases from './2026-11-24-03-delivery-leases';
import * as scopedRequestKeys from './2026-12-01-01-scoped-request-keys';
import * as hardening from './2026-12-01-02-hardening';
import * as teamPools from './2026-12-01-03-team-pools';
import * as webBillingModeration from './2026-12-01-04-web-billing-moderation';
import * as slackInstallations from './2026-12-01-05-slack-installations';
import * as signInLinkGeneration from './2026-12-01-08-sign-in-link-generation';

/** Every migration, in order. A new migration file is added here too (names sort by date). */
export const migrations: Record<string, Migration> = {
  '2026-11-24-01-foundation': foundation,
  '2026-11-24-02-generation': generation,
  '2026-11-24-03-delivery-leases': deliveryLeases,
  '2026-12-01-01-scoped-request-keys': scopedRequestKeys,
  '2026-12-01-02-hardening': hardening,
  '2026-12-01-03-team-pools': teamPools,
  '2026-12-01-04-web-billing-moderation': webBillingModeration,
  '2026-12-01-05-slack-installations': slackInstallations,
  '2026-12-01-08-sign-in-link-generation': signInLinkGeneration,
};
