import { describe, expect, it } from 'vitest';
import { type CoreClient, trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { makeGeneration } from '../../../../test/support/generations';
import { personalAccountId } from './accounts.service';

// Linking accounts with /link codes, over HTTP from the bots' side.

const t = useTestDatabase();
const core = useTestCore(t);

const userIdOf = async (client: CoreClient) => (await client.me.get.query()).user.id;

/** A LoRA row as training leaves it (the trainer itself is covered in lora.test.ts). */
async function giveLora(userId: string, name: string, triggerWord: string) {
  await t.db
    .insertInto('loras')
    .values({ user_id: userId, name, trigger_word: triggerWord })
    .returning('id')
    .executeTakeFirstOrThrow();
}

describe('redeeming link codes', () => {
  it('a user guessing codes is stopped after a few tries, and then even a right code waits', async () => {
    const owner = await core.bot('discord', { userId: 'lc-owner' });
    const { code } = await owner.me.createLinkCode.mutate();
    const guesser = await core.bot('telegram', { userId: 'lc-guesser' });
    const guesses = ['AAAAAAAA', 'BBBBBBBB', 'CCCCCCCC', 'DDDDDDDD', 'EEEEEEEE'];
    for (const guess of guesses) {
      expect(await trpcError(guesser.me.redeemLinkCode.mutate({ code: guess }))).toMatchObject({
        appCode: 'INVALID_INPUT',
        message: 'That link code is not valid',
      });
    }
    const stopped = await trpcError(guesser.me.redeemLinkCode.mutate({ code }));
    expect(stopped).toMatchObject({ httpStatus: 429, appCode: 'RATE_LIMITED' });
    expect(stopped.details?.retryAfterSeconds).toBeGreaterThan(0);
    expect((await guesser.me.get.query()).identities).toHaveLength(1);

    // The code was not spent: its owner's other account can still use it.
    const rightful = await core.bot('slack', { userId: 'lc-owner-slack' });
    const merged = await rightful.me.redeemLinkCode.mutate({ code });
    expect(merged.id).toBe(await userIdOf(owner));
  });

  it('two identities of the same platform are never linked, and the code stays usable', async () => {
    const first = await core.bot('telegram', { userId: 'lc-tg-1' });
    const second = await core.bot('telegram', { userId: 'lc-tg-2' });
    const { code } = await first.me.createLinkCode.mutate();
    const refused = await trpcError(second.me.redeemLinkCode.mutate({ code }));
    expect(refused).toMatchObject({ httpStatus: 409, appCode: 'CONFLICT' });
    expect(refused.message).toMatch(/already has a telegram identity/);
    expect(await userIdOf(second)).not.toBe(await userIdOf(first));
    expect((await first.me.get.query()).identities.map((i) => i.platformUserId)).toEqual(['lc-tg-1']);

    const onDiscord = await core.bot('discord', { userId: 'lc-dc-1' });
    await onDiscord.me.redeemLinkCode.mutate({ code });
    expect((await first.me.get.query()).identities.map((i) => i.platform).sort()).toEqual([
      'discord',
      'telegram',
    ]);
  });

  it('merging two users who each have a LoRA of the same name keeps both, renaming one', async () => {
    const onDiscord = await core.bot('discord', { userId: 'lc-lora-d' });
    const onTelegram = await core.bot('telegram', { userId: 'lc-lora-t' });
    await giveLora(await userIdOf(onDiscord), 'Sunset', 'sunset_d');
    await giveLora(await userIdOf(onTelegram), 'sunset', 'sunset_t');
    await giveLora(await userIdOf(onTelegram), 'Sunset 2', 'sunset_t2');

    const { code } = await onDiscord.me.createLinkCode.mutate();
    await onTelegram.me.redeemLinkCode.mutate({ code });

    const loras = await onTelegram.loras.list.query();
    expect(new Map(loras.map((l) => [l.name, l.triggerWord]))).toEqual(
      new Map([
        ['Sunset', 'sunset_d'],
        ['Sunset 2', 'sunset_t2'],
        ['sunset 3', 'sunset_t'],
      ]),
    );
  });

  it('merging two users who used the same request key on the web keeps both histories', async () => {
    const onDiscord = await core.bot('discord', { userId: 'lc-key-d' });
    const onTelegram = await core.bot('telegram', { userId: 'lc-key-t' });
    for (const [client, prompt] of [
      [onDiscord, 'from discord'],
      [onTelegram, 'from telegram'],
    ] as const) {
      const userId = await userIdOf(client);
      const generation = await makeGeneration(t.db, core.app.deps.storage, {
        userId,
        accountId: await personalAccountId(t.db, userId),
        prompt,
      });
      await t.db
        .updateTable('generations')
        .set({ request_scope: 'web', request_key: 'studio:1' })
        .where('id', '=', generation.id)
        .execute();
    }
    const { code } = await onDiscord.me.createLinkCode.mutate();
    await onTelegram.me.redeemLinkCode.mutate({ code });
    expect((await onDiscord.history.list.query({})).items.map((g) => g.prompt).sort()).toEqual([
      'from discord',
      'from telegram',
    ]);
  });
});
