import type { CoreClient, ModelView } from './core-client';
import type { FollowUps } from './generation-reply';

/** The follow-up models behind the result buttons (image in: video, 3D, a varied image). */
export const ANIMATE_MODEL = 'fal-ai/stable-video';
export const MAKE_3D_MODEL = 'fal-ai/trellis';
export const VARY_MODEL = 'fal-ai/flux/dev/image-to-image';
/** Picked automatically for a photo when the chosen image model takes no image. */
export const PREFERRED_IMAGE_TO_IMAGE = 'fal-ai/flux/dev/image-to-image';
/** Used when the user has no default model: an alias core resolves to its default (FLUX.1 [schnell]). */
export const FALLBACK_MODEL = 'flux';

/**
 * Enabled models as core lists them, cached briefly: options are mapped to a model's fields on every
 * /generate, and admins' changes show up within `ttlMs`.
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

  /** An enabled model by id or alias (case-insensitive), else undefined. */
  async find(ref: string): Promise<ModelView | undefined> {
    const key = ref.trim().toLowerCase();
    const models = await this.all();
    return (
      models.find((m) => m.id.toLowerCase() === key) ??
      models.find((m) => m.aliases.some((a) => a.toLowerCase() === key))
    );
  }

  async followUps(): Promise<FollowUps> {
    const models = await this.all();
    const has = (id: string) => (models.some((m) => m.id === id) ? id : undefined);
    const offered = { animate: has(ANIMATE_MODEL), make3d: has(MAKE_3D_MODEL), vary: has(VARY_MODEL) };
    return Object.fromEntries(Object.entries(offered).filter(([, id]) => id)) as FollowUps;
  }
}
