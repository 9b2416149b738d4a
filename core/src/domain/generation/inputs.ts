import type { DbOrTx } from '../../db/database';
import { AppError } from '../../errors';
import type { ObjectStore } from '../../storage';
import type { CatalogModel, FileKind } from '../catalog/catalog.types';
import * as loraRepo from '../lora/lora.repo';
import { resolveInputAsset } from '../uploads/uploads.service';
import * as repo from './generation.repo';
import type { Actor } from './generation.service';

const OUTPUT_KIND_FOR: Partial<Record<FileKind, string>> = { image: 'image', video: 'video', audio: 'audio' };

export interface ResolvedFile {
  storageKey: string;
  mime: string;
  fileName: string;
  /** Set when the file is an upload: its bytes are loaded through the verifying path then. */
  uploadId: string | null;
}

/**
 * A file input refers to the user's own ready upload, or to an output of the user's own finished
 * generation (the Animate / Make 3D buttons). Anything else is NOT_FOUND: another user's file is
 * never usable, and its existence is not revealed.
 */
export async function resolveFileInput(
  db: DbOrTx,
  userId: string,
  ref: string,
  kind: FileKind,
  field: string,
): Promise<ResolvedFile> {
  const upload = await repo.findReadyUpload(db, userId, ref);
  if (upload) {
    if (upload.kind !== kind) {
      throw AppError.invalidInput(`${field} needs ${article(kind)} ${kind} file`, {
        [field]: [`must be ${kind}`],
      });
    }
    return {
      storageKey: upload.storage_key,
      mime: upload.mime ?? 'application/octet-stream',
      fileName: upload.filename ?? 'input',
      uploadId: ref,
    };
  }
  const output = await repo.findFirstOutput(db, userId, ref);
  if (output?.storage_key) {
    if (output.kind !== OUTPUT_KIND_FOR[kind]) {
      throw AppError.invalidInput(`${field} needs ${article(kind)} ${kind}`, {
        [field]: [`must be ${kind}`],
      });
    }
    return {
      storageKey: output.storage_key,
      mime: output.media_type ?? 'application/octet-stream',
      fileName: 'input',
      uploadId: null,
    };
  }
  throw new AppError('NOT_FOUND', `The file for ${field} was not found among your uploads and generations`, {
    fieldErrors: { [field]: ['not found'] },
  });
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');

/**
 * LoRAs a request may use: ready ones the user trained, or ones shared with the current space, and
 * only on models that take FLUX LoRAs.
 */
export async function resolveLoras(
  db: DbOrTx,
  actor: Actor,
  model: CatalogModel,
  requested: { id: string; scale: number }[],
): Promise<{ id: string; scale: number }[]> {
  if (requested.length === 0) return [];
  if (!model.acceptsLoras) {
    throw AppError.invalidInput(`${model.name} does not take LoRAs; try flux-lora`, {
      loras: ['not supported by this model'],
    });
  }
  if (requested.length > 3) throw AppError.invalidInput('At most 3 LoRAs at once', { loras: ['at most 3'] });
  for (const lora of requested) {
    if (!(lora.scale >= 0 && lora.scale <= 2)) {
      throw AppError.invalidInput('A LoRA scale is between 0 and 2', {
        loras: ['scale must be between 0 and 2'],
      });
    }
    const row = await loraRepo.findVisibleLora(db, lora.id, actor.user.id, actor.space?.id ?? null);
    if (!row)
      throw new AppError('NOT_FOUND', 'That LoRA was not found', { fieldErrors: { loras: ['not found'] } });
    if (row.status !== 'ready') {
      throw AppError.invalidInput('That LoRA is not ready yet', { loras: ['still training or failed'] });
    }
  }
  return requested;
}

/**
 * The bytes of a resolved file input. An upload is checked again (size, type, pixel limits) as it is
 * loaded, so bytes that changed in storage after verification never reach the model.
 */
export async function loadFileInput(
  deps: { db: DbOrTx; storage: ObjectStore },
  userId: string,
  file: ResolvedFile,
  kind: FileKind,
): Promise<Buffer> {
  if (file.uploadId === null) return deps.storage.get(file.storageKey);
  const asset = await resolveInputAsset(deps.db, deps.storage, userId, file.uploadId, kind);
  return asset.bytesLoader();
}
