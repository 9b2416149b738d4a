import type { CoreClient, LoraView } from './core-client';
import { watchProgress } from './generation-runner';
import type { Attachment, CommandContext } from './kit.types';
import { errorReply, type KitRuntime } from './kit-runtime';
import { parseSwitch, splitOptions, tokenize, UsageError } from './parse-args';
import { bold, code, credits, type Inline, say } from './reply';

export const MIN_TRAINING_PHOTOS = 4;
export const MAX_TRAINING_PHOTOS = 40;
const PARALLEL_UPLOADS = 4;

async function ingestAll(client: CoreClient, photos: readonly Attachment[]): Promise<string[]> {
  const ids: string[] = new Array(photos.length);
  let next = 0;
  const worker = async () => {
    while (next < photos.length) {
      const i = next++;
      const photo = photos[i]!;
      const asset = await client.uploads.fromUrl.mutate({
        url: await photo.url(),
        kind: 'image',
        ...(photo.filename ? { filename: photo.filename } : {}),
      });
      ids[i] = asset.id;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, photos.length) }, worker));
  return ids;
}

/** /lora train <name> [--trigger word] [--steps n], sent as the caption of an album of 4-40 photos. */
async function train(rt: KitRuntime, ctx: CommandContext, args: string, attachments: readonly Attachment[]) {
  const { words, options } = splitOptions(tokenize(args));
  const name = words.join(' ').trim();
  if (!name) throw new UsageError('Name it: /lora train <name>, as the caption of your photos');
  const photos = attachments.filter((a) => a.kind === 'image');
  if (photos.length < MIN_TRAINING_PHOTOS || photos.length > MAX_TRAINING_PHOTOS) {
    throw new UsageError(
      `Training needs ${MIN_TRAINING_PHOTOS} to ${MAX_TRAINING_PHOTOS} photos sent together (an album) with this caption; I got ${photos.length}`,
    );
  }
  let triggerWord: string | undefined;
  let steps: number | undefined;
  for (const option of options) {
    if (option.name === 'trigger' || option.name === 'trigger_word') triggerWord = option.value ?? undefined;
    else if (option.name === 'steps' && option.value && /^\d+$/.test(option.value))
      steps = Number(option.value);
    else throw new UsageError(`/lora train takes --trigger <word> and --steps <n>, not --${option.name}`);
  }
  const client = rt.core.as(ctx.actor);
  const ref = await ctx.reply(say(`Preparing ${photos.length} photos to train “${name}”…`));
  try {
    const uploadIds = await ingestAll(client, photos);
    const result = await client.loras.train.mutate({
      name,
      uploadIds,
      ...(triggerWord ? { triggerWord } : {}),
      ...(steps ? { steps } : {}),
      ...(ctx.requestKey ? { requestKey: ctx.requestKey } : {}),
    });
    // Core delivers training results to no chat yet (loras.train takes no origin): the watcher ends it.
    const meta = {
      modelName: `LoRA training “${result.lora.name}”`,
      price: result.price,
      deliveredHere: false,
    };
    await ctx.edit(
      ref,
      say(
        `Training “${result.lora.name}” for ${credits(result.price)} (trigger word: ${result.lora.triggerWord})…`,
      ),
    );
    watchProgress(rt, ctx, result.generation.id, ref, meta);
  } catch (error) {
    await rt.progress.finish(ref, await errorReply(rt, ctx, error, 'lora'), ctx.edit);
  }
}

function statusOf(lora: LoraView): string {
  if (lora.status === 'ready') return 'ready';
  if (lora.status === 'training') return 'training…';
  return `failed${lora.failureReason ? `: ${lora.failureReason}` : ''}`;
}

async function list(rt: KitRuntime, ctx: CommandContext) {
  const loras = await rt.core.as(ctx.actor).loras.list.query();
  if (loras.length === 0) {
    await ctx.reply(say('No LoRAs yet. Send 4-40 photos as an album with the caption /lora train <name>.'));
    return;
  }
  const text: Inline[] = ['Your LoRAs (use with /generate ... --lora <name>:0.8):\n'];
  for (const lora of loras) {
    text.push(bold(lora.name), ` - trigger `, code(lora.triggerWord), ` - ${statusOf(lora)}`);
    if (!lora.owned) text.push(' - shared with this group');
    else if (lora.sharedWithSpace) text.push(' - shared here');
    text.push('\n');
  }
  await ctx.reply({ text });
}

async function findOwn(client: CoreClient, name: string): Promise<LoraView> {
  if (!name) throw new UsageError('Which LoRA? Give its name');
  const lora = (await client.loras.list.query()).find(
    (l) => l.owned && l.name.toLowerCase() === name.toLowerCase(),
  );
  if (!lora) throw new UsageError(`You have no LoRA called "${name}"; see /lora list`);
  return lora;
}

/** /lora train|list|delete|share */
export async function loraCommand(
  rt: KitRuntime,
  ctx: CommandContext,
  rest: string,
  attachments: readonly Attachment[],
): Promise<void> {
  const [sub = '', ...others] = rest.trim().split(/\s+/);
  const args = others.join(' ');
  const client = rt.core.as(ctx.actor);
  switch (sub.toLowerCase()) {
    case 'train':
      return train(rt, ctx, args, attachments);
    case 'list':
    case '':
      return list(rt, ctx);
    case 'delete': {
      const lora = await findOwn(client, args.trim());
      await client.loras.delete.mutate({ id: lora.id });
      await ctx.reply(say(`Deleted the LoRA “${lora.name}”.`));
      return;
    }
    case 'share': {
      const words = tokenize(args);
      const shared = parseSwitch(words.at(-1), 'share');
      const lora = await findOwn(client, words.slice(0, -1).join(' '));
      if (!ctx.actor.space || ctx.chat.direct)
        throw new UsageError('Share a LoRA from inside the group you want to share it with');
      await client.loras.share.mutate({ id: lora.id, shared });
      await ctx.reply(
        say(
          shared
            ? `“${lora.name}” is now shared with this group.`
            : `“${lora.name}” is no longer shared here.`,
        ),
      );
      return;
    }
    default:
      throw new UsageError(`There is no /lora ${sub}`);
  }
}
