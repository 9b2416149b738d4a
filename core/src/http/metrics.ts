import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of this process, served at /metrics. One registry per app instance (tests run several). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'atelier_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'atelier_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'atelier_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Figures kept in the database rather than in one process (any worker may do the work), read when
 * /metrics is scraped.
 */
export function registerDatabaseMetrics(metrics: Metrics, read: { resubmits: () => Promise<number> }): void {
  new Gauge({
    name: 'atelier_generation_resubmits_total',
    help: 'Generations sent to the provider again after a submit that may have reached it (a worker died mid-submit)',
    registers: [metrics.registry],
    async collect() {
      this.set(await read.resubmits());
    },
  });
}
