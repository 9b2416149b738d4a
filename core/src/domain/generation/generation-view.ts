import type { DbOrTx } from '../../db/database';
import type { GalleryState, GenerationRow, GenerationStatus, OutputKind } from '../../db/types';
import type { ObjectStore } from '../../storage';
import { MODEL_CATALOG } from '../catalog/catalog.data';

/** How long a signed media link handed to a chat or page stays valid. */
export const MEDIA_URL_TTL_SECONDS = 60 * 60;

export interface GenerationOutputView {
  position: number;
  kind: OutputKind;
  mediaType: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  durationMs: number | null;
  nsfw: boolean;
  text: string | null;
  /** Signed, expiring link to the stored bytes (null for text outputs). */
  url: string | null;
}

/** A generation as users and bots see it: never internal keys or provider ids. */
export interface GenerationView {
  id: string;
  userId: string;
  spaceId: string | null;
  modelId: string;
  modelName: string;
  category: GenerationRow['category'];
  prompt: string | null;
  input: Record<string, unknown>;
  status: GenerationStatus;
  price: number;
  queuePosition: number | null;
  progress: number | null;
  failureReason: string | null;
  nsfw: boolean;
  rerolledFrom: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  outputs: GenerationOutputView[];
  gallery: { state: GalleryState; publishedAt: Date } | null;
}

const modelNames = new Map(MODEL_CATALOG.map((m) => [m.id, m.name]));

/** Loads outputs and gallery state for rows and signs their media URLs; keeps the rows' order. */
export async function toGenerationViews(
  db: DbOrTx,
  storage: ObjectStore,
  rows: readonly GenerationRow[],
): Promise<GenerationView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [outputs, gallery] = await Promise.all([
    db
      .selectFrom('generation_outputs')
      .selectAll()
      .where('generation_id', 'in', ids)
      .orderBy('position')
      .execute(),
    db
      .selectFrom('gallery_items')
      .select(['generation_id', 'state', 'published_at'])
      .where('generation_id', 'in', ids)
      .execute(),
  ]);
  const galleryById = new Map(gallery.map((g) => [g.generation_id, g]));
  const signed = await Promise.all(
    outputs.map(async (o) => ({
      generationId: o.generation_id,
      view: {
        position: o.position,
        kind: o.kind,
        mediaType: o.media_type,
        size: o.size,
        width: o.width,
        height: o.height,
        durationMs: o.duration_ms,
        nsfw: o.nsfw,
        text: o.text_content,
        url: o.storage_key
          ? await storage.signedGetUrl(o.storage_key, { expiresInSeconds: MEDIA_URL_TTL_SECONDS })
          : null,
      } satisfies GenerationOutputView,
    })),
  );
  return rows.map((r) => {
    const g = galleryById.get(r.id);
    return {
      id: r.id,
      userId: r.user_id,
      spaceId: r.space_id,
      modelId: r.model_id,
      modelName: modelNames.get(r.model_id) ?? r.model_id,
      category: r.category,
      prompt: r.prompt,
      input: r.input,
      status: r.status,
      price: r.price,
      queuePosition: r.queue_position,
      progress: r.progress,
      failureReason: r.failure_reason,
      nsfw: r.nsfw,
      rerolledFrom: r.rerolled_from,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      outputs: signed.filter((s) => s.generationId === r.id).map((s) => s.view),
      gallery: g ? { state: g.state, publishedAt: g.published_at } : null,
    };
  });
}
