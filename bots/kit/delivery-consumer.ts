import { randomUUID } from 'node:crypto';
import type { CoreClient, DeliveryView } from './core-client';
import { ChatPlatformError, type KitLogger } from './kit.types';

export interface DeliveryConsumerOptions {
  /** The bot's service client (deliveries belong to the bot's platform, not to a user). */
  client: CoreClient;
  /** Posts one delivery; resolves once the platform confirmed it. */
  render(delivery: DeliveryView): Promise<void>;
  logger: KitLogger;
  /** Deliveries posted at once. Default 8. */
  concurrency?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Attempts per delivery in this process before it is given up (acknowledged unposted). Default 5. */
  maxAttempts?: number;
}

const REMEMBERED = 10_000;

/**
 * Keeps core's `deliveries.stream` open and posts what it yields, at least once: a delivery is
 * acknowledged only after its post succeeded; a failed post is retried by re-subscribing (core sends
 * every unacknowledged delivery again), with backoff. Ids posted by this process are remembered so a
 * re-sent delivery is acknowledged again instead of posted twice.
 */
export class DeliveryConsumer {
  private readonly concurrency: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxAttempts: number;
  private subscription: { unsubscribe(): void } | null = null;
  private running = false;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly queue: DeliveryView[] = [];
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly posted = new Set<number>();
  private readonly attempts = new Map<number, number>();
  private readonly toAck = new Set<number>();
  private ackTimer: NodeJS.Timeout | null = null;
  /**
   * This process's name towards core, the same across reconnects: core hands deliveries leased to an
   * earlier connection of this process out again at once instead of waiting for the lease to expire.
   */
  private readonly consumerId = randomUUID();
  private acking: Promise<void> = Promise.resolve();
  private connectedOnce: () => void = () => {};
  /** Resolves the first time the stream is open. */
  readonly connected: Promise<void>;

  constructor(private readonly opts: DeliveryConsumerOptions) {
    this.concurrency = opts.concurrency ?? 8;
    this.minBackoffMs = opts.minBackoffMs ?? 500;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.backoffMs = this.minBackoffMs;
    this.connected = new Promise((resolve) => {
      this.connectedOnce = resolve;
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.subscribe();
  }

  /** Closes the stream, lets posts in flight finish and sends the last acknowledgements. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.drop();
    this.queue.length = 0;
    await Promise.allSettled([...this.inFlight.values()]);
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    // Stopped, a failed acknowledgement is not queued again, so this ends.
    while (this.toAck.size > 0) await this.flushAcks();
  }

  /** Ends the current subscription; it stops counting as current first, so its own callbacks stay quiet. */
  private drop(): void {
    const old = this.subscription;
    this.subscription = null;
    old?.unsubscribe();
  }

  private subscribe(): void {
    this.drop();
    // Callbacks of a replaced subscription (after a reconnect) must not act on its successor.
    const current = () => this.subscription === subscription;
    const subscription = this.opts.client.deliveries.stream.subscribe(
      { consumerId: this.consumerId },
      {
        onStarted: () => {
          if (!current()) return;
          this.backoffMs = this.minBackoffMs;
          this.connectedOnce();
        },
        onData: (event) => {
          if (current()) this.accept(event.data);
        },
        onError: (error) => {
          if (!current()) return;
          this.opts.logger.warn('deliveries stream failed; reconnecting', { error: String(error) });
          this.reconnect();
        },
        onComplete: () => {
          if (current()) this.reconnect();
        },
      },
    );
    this.subscription = subscription;
  }

  /** Re-subscribes after the current backoff; core then re-sends everything not acknowledged. */
  private reconnect(): void {
    if (!this.running || this.reconnectTimer) return;
    this.drop();
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.maxBackoffMs, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running) this.subscribe();
    }, wait);
  }

  private accept(delivery: DeliveryView): void {
    const id = delivery.deliveryId;
    if (this.posted.has(id)) {
      this.ack(id);
      return;
    }
    if (this.inFlight.has(id) || this.queue.some((d) => d.deliveryId === id)) return;
    this.queue.push(delivery);
    this.pump();
  }

  private pump(): void {
    while (this.running && this.inFlight.size < this.concurrency && this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      const id = delivery.deliveryId;
      const work = this.post(delivery).finally(() => {
        this.inFlight.delete(id);
        this.pump();
      });
      this.inFlight.set(id, work);
    }
  }

  private async post(delivery: DeliveryView): Promise<void> {
    const id = delivery.deliveryId;
    try {
      await this.opts.render(delivery);
      this.remember(id);
      this.ack(id);
    } catch (error) {
      const attempts = (this.attempts.get(id) ?? 0) + 1;
      this.attempts.set(id, attempts);
      const permanent = error instanceof ChatPlatformError && error.permanent;
      if (permanent || attempts >= this.maxAttempts) {
        this.opts.logger.error('giving up on a delivery', {
          deliveryId: id,
          generationId: delivery.generation.id,
          attempts,
          error: String(error),
        });
        this.remember(id);
        this.ack(id);
        return;
      }
      this.opts.logger.warn('posting a delivery failed; will retry', {
        deliveryId: id,
        error: String(error),
      });
      this.reconnect();
    }
  }

  private remember(id: number): void {
    this.attempts.delete(id);
    this.posted.add(id);
    if (this.posted.size > REMEMBERED) this.posted.delete(this.posted.values().next().value as number);
  }

  private ack(id: number): void {
    this.toAck.add(id);
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = null;
      void this.flushAcks();
    }, 20);
  }

  private flushAcks(): Promise<void> {
    this.acking = this.acking.then(async () => {
      const ids = [...this.toAck].slice(0, 500);
      if (ids.length === 0) return;
      for (const id of ids) this.toAck.delete(id);
      try {
        await this.opts.client.deliveries.ack.mutate({ ids });
      } catch (error) {
        // Not acknowledged: core sends them again later and `posted` keeps them from being posted twice.
        this.opts.logger.warn('acknowledging deliveries failed', { count: ids.length, error: String(error) });
        if (this.running) for (const id of ids) this.toAck.add(id);
      }
      if (this.toAck.size > 0 && this.running)
        this.ackTimer ??= setTimeout(() => {
          this.ackTimer = null;
          void this.flushAcks();
        }, 1000);
    });
    return this.acking;
  }
}
