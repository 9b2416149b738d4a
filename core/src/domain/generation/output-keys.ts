import { randomUUID } from 'node:crypto';
import type { DbOrTx } from '../../db/database';
import type { Logger } from '../../logger';
import type { ObjectStore } from '../../storage';
import * as repo from './generation.repo';

/**
 * Takes the media of generations offline for every link handed out so far: each output is moved to
 * a new, unguessable storage key and the old object is deleted, so signed URLs (local /files links
 * and S3 presigned GETs alike) answer 404 at once, while the owner's next view signs the new key.
 * Used when an item leaves the public gallery (unpublished, hidden, removed, held for review).
 */
export async function revokeOutputLinks(
  deps: { db: DbOrTx; storage: ObjectStore; logger?: Logger },
  generationIds: readonly string[],
): Promise<void> {
  if (generationIds.length === 0) return;
  for (const output of await repo.listStoredOutputs(deps.db, generationIds)) {
    const name = output.storage_key.split('/').pop() ?? `${output.position}`;
    const moved = `outputs/${output.generation_id}/${randomUUID()}/${name}`;
    const bytes = await deps.storage.get(output.storage_key);
    await deps.storage.put(moved, bytes, output.media_type ?? 'application/octet-stream');
    const updated = await repo.moveOutputKey(deps.db, output.generation_id, output.position, {
      from: output.storage_key,
      to: moved,
    });
    // Someone else moved it meanwhile: keep theirs, drop our copy.
    await deps.storage.delete(updated ? output.storage_key : moved);
  }
}
