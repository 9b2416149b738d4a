import { sql } from 'kysely';
import { PNG } from 'pngjs';
import type { Db } from '../../core/src/db/database';
import type { GenerationCategory, GenerationRow, GenerationStatus } from '../../core/src/db/types';
import type { ObjectStore } from '../../core/src/storage';

/** A small real PNG (a colour gradient), different per `seed`. */
export function pngBytes(seed = 0, width = 4, height = 3): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    png.data[i * 4] = (seed * 37 + i * 11) % 256;
    png.data[i * 4 + 1] = (seed * 91 + i * 23) % 256;
    png.data[i * 4 + 2] = (seed * 13 + i * 47) % 256;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

/**
 * A generation row inserted directly, as if the pipeline had run: `outputs` PNG files stored under
 * `outputs/<id>/<n>.png` with their generation_outputs rows. `createdAt` may carry microseconds
 * (`'2026-01-02T03:04:05.123456Z'`).
 */
export async function makeGeneration(
  db: Db,
  storage: ObjectStore,
  opts: {
    userId: string;
    accountId: string;
    status?: GenerationStatus;
    category?: GenerationCategory;
    modelId?: string;
    prompt?: string;
    createdAt?: Date | string;
    outputs?: number;
    nsfw?: boolean;
  },
): Promise<GenerationRow> {
  const status = opts.status ?? 'succeeded';
  const finished = status === 'succeeded' || status === 'failed' || status === 'cancelled';
  const prompt = opts.prompt ?? 'a lighthouse at dusk';
  const createdAt = opts.createdAt instanceof Date ? opts.createdAt.toISOString() : opts.createdAt;
  const generation = await db
    .insertInto('generations')
    .values({
      user_id: opts.userId,
      account_id: opts.accountId,
      model_id: opts.modelId ?? 'fal-ai/flux-1/schnell',
      category: opts.category ?? 'image',
      input: { prompt },
      prompt,
      price: 1,
      status,
      provider: 'demo',
      nsfw: opts.nsfw ?? false,
      failure_reason: status === 'failed' ? 'The model could not make this' : null,
      finished_at: finished ? new Date() : null,
      // As text: postgres.js would turn a timestamptz parameter into a JS Date and drop the microseconds.
      ...(createdAt !== undefined ? { created_at: sql<Date>`${createdAt}::text::timestamptz` } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  for (let n = 0; n < (opts.outputs ?? (status === 'succeeded' ? 1 : 0)); n++) {
    const bytes = pngBytes(n);
    const key = `outputs/${generation.id}/${n}.png`;
    await storage.put(key, bytes, 'image/png');
    await db
      .insertInto('generation_outputs')
      .values({
        generation_id: generation.id,
        position: n,
        kind: 'image',
        storage_key: key,
        media_type: 'image/png',
        size: bytes.length,
        width: 4,
        height: 3,
        nsfw: opts.nsfw ?? false,
      })
      .execute();
  }
  return generation;
}
