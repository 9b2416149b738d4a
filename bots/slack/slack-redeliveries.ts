import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { KitLogger } from '../kit/kit.types';
import { RecentKeys } from '../kit/task-set';

/**
 * Slack redelivers an Events API request (same `event_id`, `X-Slack-Retry-Num` >= 1) when it did not
 * see a 2xx within 3 seconds. A redelivery of an event this process already took is dropped here
 * (Bolt has acknowledged it by then); one whose original never arrived is handled normally. Across
 * replicas, the request key derived from the event id makes core return the first generation.
 */
export function dropRedeliveries(logger: KitLogger, seen = new RecentKeys()): Middleware<AnyMiddlewareArgs> {
  return async ({ body, context, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !seen.add(eventId)) {
      logger.debug('dropped a redelivered Slack event', { eventId, retryNum: context.retryNum });
      return;
    }
    await next();
  };
}
