/**
 * Runs at most `max` tasks at once; the rest wait in order. Keeps a burst of accepted work from
 * opening hundreds of provider requests (and database connections) at the same moment. A task still
 * running after `slotMs` gives its slot up (it goes on, uncounted): a task stuck on a lost connection
 * must not block the ones behind it for ever.
 */
export class TaskLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly slotMs = 120_000,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.release();
    };
    const timer = setTimeout(release, this.slotMs);
    timer.unref();
    try {
      return await task();
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  private release(): void {
    this.running--;
    const next = this.waiting.shift();
    if (next) next();
    else if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
