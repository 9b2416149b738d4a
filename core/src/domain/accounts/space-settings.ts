import { z } from 'zod';
import type { Db } from '../../db/database';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/audit.service';

/**
 * What a space does with results the provider flagged NSFW: 'block' withholds them, 'spoiler' posts
 * them hidden behind the platform's spoiler, 'allow' posts them as they are (for NSFW channels).
 */
export type NsfwPolicy = 'block' | 'spoiler' | 'allow';

const spaceSettingsSchema = z.object({ nsfw: z.enum(['block', 'spoiler', 'allow']).default('spoiler') });
export type SpaceSettings = z.infer<typeof spaceSettingsSchema>;

/** A space's settings with defaults filled in; a malformed value falls back to the defaults. */
export function spaceSettingsOf(raw: unknown): SpaceSettings {
  const parsed = spaceSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : spaceSettingsSchema.parse({});
}

export const nsfwPolicyOf = (raw: unknown): NsfwPolicy => spaceSettingsOf(raw).nsfw;

/** Changes a space's settings (admins); audited with the reason. */
export async function updateSpaceSettings(
  db: Db,
  input: { spaceId: string; patch: Partial<SpaceSettings>; actorUserId: string; reason: string },
): Promise<SpaceSettings> {
  return db.transaction().execute(async (tx) => {
    const space = await tx
      .selectFrom('spaces')
      .select('settings')
      .where('id', '=', input.spaceId)
      .forUpdate()
      .executeTakeFirst();
    if (!space) throw AppError.notFound('Space');
    const settings = { ...spaceSettingsOf(space.settings), ...input.patch };
    await tx.updateTable('spaces').set({ settings }).where('id', '=', input.spaceId).execute();
    await recordAudit(tx, {
      actorUserId: input.actorUserId,
      action: 'space.settings.update',
      targetType: 'space',
      targetId: input.spaceId,
      reason: input.reason,
      data: input.patch,
    });
    return settings;
  });
}
