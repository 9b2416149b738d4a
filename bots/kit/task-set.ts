import type { KitLogger } from './kit.types';

/**
 * Work started for an incoming event without making the platform wait (so one slow command never
 * holds up the next update); failures are logged, and `drain()` waits for what is still running.
 */
export class TaskSet {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: KitLogger) {}

  run(label: string, work: () => Promise<unknown>): void {
    const task: Promise<void> = Promise.resolve()
      .then(work)
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.error(`${label} failed`, {
            error: error instanceof Error ? error.stack : String(error),
          }),
      )
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  get size(): number {
    return this.running.size;
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

/** Remembers the last `capacity` keys: a repeat (a re-delivered update) is reported once seen. */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** True the first time a key is seen. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value as string);
    return true;
  }
}
