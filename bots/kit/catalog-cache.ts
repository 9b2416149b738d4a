import type { CoreClient, ModelView } from './core-client';

/**
 * Enabled models as core lists them, cached briefly for autocomplete (which cannot wait for core);
 * admins' changes show up within `ttlMs`.
 */
export class CatalogCache {
  private models: ModelView[] | null = null;
  private loadedAt = 0;
  private loading: Promise<ModelView[]> | null = null;

  constructor(
    private readonly client: CoreClient,
    private readonly ttlMs = 30_000,
  ) {}

  /**
   * What is cached right now, without waiting (autocomplete cannot wait for core); starts a refresh
   * when it is missing or stale.
   */
  peek(): ModelView[] | null {
    if (!this.models || Date.now() - this.loadedAt >= this.ttlMs) void this.all().catch(() => undefined);
    return this.models;
  }

  async all(): Promise<ModelView[]> {
    if (this.models && Date.now() - this.loadedAt < this.ttlMs) return this.models;
    this.loading ??= this.client.catalog.list
      .query({})
      .then((models) => {
        this.models = models;
        this.loadedAt = Date.now();
        return models;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}
