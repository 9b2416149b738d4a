import type { Tx } from '../../db/database';
import type { GenerationRow } from '../../db/types';
import { finishTraining } from '../lora/lora.repo';
import type { PipelineDeps } from './pipeline';

/**
 * LoRA training runs through the generation pipeline (hold, submit, poll, finalize, deliver) as a
 * generation of category 'lora'. These hooks are its only differences: the input is a zip of the
 * training images in our storage, and the ending updates the LoRA row in the same transaction.
 */
export async function trainingInput(
  deps: PipelineDeps,
  row: GenerationRow,
): Promise<Record<string, unknown>> {
  const { images_zip_key: zipKey, ...rest } = row.input as { images_zip_key: string } & Record<
    string,
    unknown
  >;
  const zip = await deps.storage.get(zipKey);
  return {
    ...rest,
    images_data_url: await deps.provider.uploadInput(zip, 'application/zip', 'training-images.zip'),
  };
}

export async function onTrainingSucceeded(
  tx: Tx,
  row: GenerationRow,
  weightsKey: string | null,
): Promise<void> {
  await finishTraining(
    tx,
    row.id,
    weightsKey ? { status: 'ready', weightsKey } : { status: 'failed', reason: 'No weights file' },
  );
}

export async function onTrainingFailed(tx: Tx, row: GenerationRow, reason: string): Promise<void> {
  await finishTraining(tx, row.id, { status: 'failed', reason });
}
