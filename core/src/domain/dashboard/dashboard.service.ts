import type { DbOrTx } from '../../db/database';
import type { GenerationCategory, GenerationStatus } from '../../db/types';
import * as repo from './dashboard.repo';

export interface Dashboard {
  /** The first day shown (UTC), then every day up to today, each present even when nothing happened. */
  days: string[];
  credits: { day: string; sold: number; refunded: number; spent: number; granted: number }[];
  generations: { day: string; category: GenerationCategory; status: GenerationStatus; count: number }[];
  /** Failed / (succeeded + failed) per day; null on a day with no finished generation. */
  failureRate: { day: string; failed: number; finished: number; rate: number | null }[];
  queue: {
    depth: number;
    byStatus: { status: GenerationStatus; count: number }[];
    oldestCreatedAt: Date | null;
    /** Seconds the oldest unfinished generation has waited; 0 when the queue is empty. */
    oldestAgeSeconds: number;
  };
}

/** The staff dashboard's series for the last `days` days (UTC), and the queue as it is now. */
export async function dashboard(db: DbOrTx, opts: { days: number; now?: Date }): Promise<Dashboard> {
  const now = opts.now ?? new Date();
  const start = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (opts.days - 1)),
  );
  const days = Array.from({ length: opts.days }, (_, i) =>
    new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10),
  );
  const [credits, generations, active] = await Promise.all([
    repo.creditTotalsPerDay(db, start),
    repo.generationCountsPerDay(db, start),
    repo.activeGenerations(db),
  ]);
  const creditsByDay = new Map(credits.map((c) => [c.day, c]));
  const failureRate = days.map((d) => {
    const ofDay = generations.filter((g) => g.day === d);
    const failed = ofDay.filter((g) => g.status === 'failed').reduce((n, g) => n + g.count, 0);
    const finished = failed + ofDay.filter((g) => g.status === 'succeeded').reduce((n, g) => n + g.count, 0);
    return { day: d, failed, finished, rate: finished > 0 ? failed / finished : null };
  });
  const oldest = active.reduce<Date | null>(
    (o, a) => (a.oldest && (!o || a.oldest < o) ? a.oldest : o),
    null,
  );
  return {
    days,
    credits: days.map((d) => creditsByDay.get(d) ?? { day: d, sold: 0, refunded: 0, spent: 0, granted: 0 }),
    generations,
    failureRate,
    queue: {
      depth: active.reduce((n, a) => n + a.count, 0),
      byStatus: active.map(({ status, count }) => ({ status, count })),
      oldestCreatedAt: oldest,
      oldestAgeSeconds: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : 0,
    },
  };
}
