import type { DbOrTx } from '../../db/database';
import type { GalleryState, GenerationRow, GenerationStatus, OutputKind, Platform } from '../../db/types';
import type { ObjectStore } from '../../storage';
import { SignedLinks } from '../../storage/signed-links';
import { FOLLOW_UP_MODELS, type FollowUpKind, MODEL_CATALOG } from '../catalog/catalog.data';
import { listModels } from '../catalog/catalog.service';
import type { CatalogModel } from '../catalog/catalog.types';
import * as repo from './generation.repo';

/** How long a signed media link handed to a chat or page stays valid, at least (see SignedLinks). */
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
  /** The provider's latest log line while it runs (shown under the progress bar). */
  lastLog: string | null;
  failureReason: string | null;
  nsfw: boolean;
  rerolledFrom: string | null;
  /** The chat app (or 'web') the request came from; null for work from before it was recorded. */
  originPlatform: Platform | null;
  createdAt: Date;
  finishedAt: Date | null;
  outputs: GenerationOutputView[];
  gallery: { state: GalleryState; publishedAt: Date } | null;
  /**
   * The follow-ups this result offers (buttons in a chat), each with the model it runs; null where it
   * does not apply: only a finished image offers them, Vary only when it had a prompt, and none whose
   * model an admin switched off. Run one with `generations.followUp`.
   */
  followUps: Record<FollowUpKind, { modelId: string; modelName: string } | null>;
}

const NO_FOLLOW_UPS: GenerationView['followUps'] = { animate: null, make3d: null, upscale: null, vary: null };

function followUpsOf(
  row: GenerationRow,
  outputs: readonly GenerationOutputView[],
  models: ReadonlyMap<string, CatalogModel>,
): GenerationView['followUps'] {
  const image = outputs.some((o) => o.kind === 'image' && o.url !== null);
  if (row.status !== 'succeeded' || !image) return NO_FOLLOW_UPS;
  const offer = (kind: FollowUpKind) => {
    const model = models.get(FOLLOW_UP_MODELS[kind]);
    if (!model?.enabled) return null;
    if (kind === 'vary' && !row.prompt) return null;
    return { modelId: model.id, modelName: model.name };
  };
  return {
    animate: offer('animate'),
    make3d: offer('make3d'),
    upscale: offer('upscale'),
    vary: offer('vary'),
  };
}

const CATALOG_NAMES = new Map(MODEL_CATALOG.map((m) => [m.id, m]));

/** A row read together with its outputs and gallery state (see `viewRelations`). */
export type RowWithRelations = GenerationRow & {
  view_outputs: repo.OutputJson[];
  view_gallery: { state: GalleryState; published_at: string } | null;
};

const hasRelations = (row: GenerationRow): row is RowWithRelations => 'view_outputs' in row;

/**
 * Turns rows into views: loads outputs and gallery state (unless the rows were read with them, see
 * `viewRelations`) and signs their media URLs; keeps the rows' order. Only a succeeded generation has
 * outputs, a gallery entry or follow-ups, so rows still running cost no query at all.
 */
export async function toGenerationViews(
  db: DbOrTx,
  storage: ObjectStore,
  rows: readonly GenerationRow[],
): Promise<GenerationView[]> {
  if (rows.length === 0) return [];
  const ids = rows.filter((r) => r.status === 'succeeded').map((r) => r.id);
  const preloaded = rows.every(hasRelations);
  const [outputs, gallery, models] =
    ids.length === 0
      ? [[], [], CATALOG_NAMES]
      : await Promise.all([
          preloaded
            ? rows.flatMap((r) =>
                r.status === 'succeeded' ? r.view_outputs.map((o) => ({ ...o, generation_id: r.id })) : [],
              )
            : repo.listOutputs(db, ids),
          preloaded
            ? rows.flatMap((r) =>
                r.view_gallery && r.status === 'succeeded'
                  ? [
                      {
                        generation_id: r.id,
                        state: r.view_gallery.state,
                        published_at: new Date(r.view_gallery.published_at),
                      },
                    ]
                  : [],
              )
            : repo.listGalleryStates(db, ids),
          listModels(db, { includeDisabled: true }).then(
            (catalog): ReadonlyMap<string, CatalogModel> => new Map(catalog.map((m) => [m.id, m])),
          ),
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
        url: o.storage_key ? await SignedLinks.for(storage).get(o.storage_key, MEDIA_URL_TTL_SECONDS) : null,
      } satisfies GenerationOutputView,
    })),
  );
  return rows.map((r) => {
    const g = galleryById.get(r.id);
    const mine = signed.filter((s) => s.generationId === r.id).map((s) => s.view);
    return {
      id: r.id,
      userId: r.user_id,
      spaceId: r.space_id,
      modelId: r.model_id,
      modelName: models.get(r.model_id)?.name ?? r.model_id,
      category: r.category,
      prompt: r.prompt,
      input: r.input,
      status: r.status,
      price: r.price,
      queuePosition: r.queue_position,
      progress: r.progress,
      lastLog: r.last_log,
      failureReason: r.failure_reason,
      nsfw: r.nsfw,
      rerolledFrom: r.rerolled_from,
      originPlatform: r.origin.platform ?? null,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      outputs: mine,
      gallery: g ? { state: g.state, publishedAt: g.published_at } : null,
      followUps: followUpsOf(r, mine, models),
    };
  });
}
