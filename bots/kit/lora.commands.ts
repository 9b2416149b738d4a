import { ingestAttachment } from './attachment-ingest';
import { commandHandler, textValue } from './command-handler';
import type { ParsedCommand } from './command-spec';
import type { CoreClient, LoraView } from './core-client';
import { finishOrPost, watchProgress } from './generation-start';
import type { Attachment, CommandContext } from './kit.types';
import { errorReply, type KitRuntime } from './kit-runtime';
import { UsageError } from './parse-args';
import { bold, code, credits, type Inline, say } from './reply';

const PARALLEL_UPLOADS = 4;

async function ingestAll(client: CoreClient, photos: readonly Attachment[]): Promise<string[]> {
  const ids: string[] = new Array(photos.length);
  let next = 0;
  const worker = async () => {
    while (next < photos.length) {
      const i = next++;
      const photo = photos[i]!;
      const asset = await ingestAttachment(client, photo, 'image');
      ids[i] = asset.id;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, photos.length) }, worker));
  return ids;
}

interface TrainArgs {
  name: string;
  photos: readonly Attachment[];
  triggerWord?: string;
  steps?: number;
}

/** /lora train <name> [--trigger word] [--steps n], with 4-40 photos (checked by the command's spec). */
async function train(runtime: KitRuntime, ctx: CommandContext, args: TrainArgs) {
  const { name, photos, triggerWord, steps } = args;
  const client = runtime.core.as(ctx.actor);
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
    runtime.completions.invalidate(ctx.actor);
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
    watchProgress(runtime, ctx, result.generation.id, ref, meta);
  } catch (error) {
    await finishOrPost(runtime, ctx, ref, await errorReply(runtime, ctx, error, 'lora'));
  }
}

function statusOf(lora: LoraView): string {
  if (lora.status === 'ready') return 'ready';
  if (lora.status === 'training') return 'training…';
  return `failed${lora.failureReason ? `: ${lora.failureReason}` : ''}`;
}

async function list(runtime: KitRuntime, ctx: CommandContext) {
  const noun = ctx.traits.spaceNoun;
  const loras = await runtime.core.as(ctx.actor).loras.list.query();
  if (loras.length === 0) {
    await ctx.reply(say('No LoRAs yet. Send 4-40 photos together with the command /lora train <name>.'));
    return;
  }
  const text: Inline[] = ['Your LoRAs (use with /generate ... --lora <name>:0.8):\n'];
  for (const lora of loras) {
    text.push(bold(lora.name), ` - trigger `, code(lora.triggerWord), ` - ${statusOf(lora)}`);
    if (!lora.owned) text.push(` - shared with this ${noun}`);
    else if (lora.sharedWithSpace) text.push(' - shared here');
    text.push('\n');
  }
  await ctx.reply({ text });
}

/** One of the user's own LoRAs by name (core finds it; one merely shared here cannot be changed). */
async function findOwn(client: CoreClient, name: string): Promise<LoraView> {
  const lora = await client.loras.find.query({ name });
  if (!lora.owned) throw new UsageError(`“${lora.name}” is shared with you, not yours to change`);
  return lora;
}

type LoraArgs =
  | { sub: 'list' }
  | ({ sub: 'train' } & TrainArgs)
  | { sub: 'delete'; name: string }
  | { sub: 'share'; name: string; shared: boolean };

function loraArgs(parsed: ParsedCommand): LoraArgs {
  const name = textValue(parsed, 'name');
  switch (parsed.subcommand) {
    case 'train': {
      const trigger = textValue(parsed, 'trigger');
      const steps = parsed.values.steps;
      return {
        sub: 'train',
        name,
        photos: parsed.files,
        ...(trigger ? { triggerWord: trigger } : {}),
        ...(typeof steps === 'number' ? { steps } : {}),
      };
    }
    case 'delete':
      return { sub: 'delete', name };
    case 'share':
      return { sub: 'share', name, shared: parsed.values.shared === true };
    default:
      return { sub: 'list' };
  }
}

/** /lora train|list|delete|share */
export const loraCommand = commandHandler({
  parse: loraArgs,
  async run(runtime, ctx, args) {
    const client = runtime.core.as(ctx.actor);
    switch (args.sub) {
      case 'train':
        return train(runtime, ctx, args);
      case 'list':
        return list(runtime, ctx);
      case 'delete': {
        const lora = await findOwn(client, args.name);
        await client.loras.delete.mutate({ id: lora.id });
        runtime.completions.invalidate(ctx.actor);
        await ctx.reply(say(`Deleted the LoRA “${lora.name}”.`));
        return;
      }
      case 'share': {
        const lora = await findOwn(client, args.name);
        const noun = ctx.traits.spaceNoun;
        if (!ctx.actor.space || ctx.chat.direct)
          throw new UsageError(`Share a LoRA from inside the ${noun} you want to share it with`);
        await client.loras.share.mutate({ id: lora.id, shared: args.shared });
        await ctx.reply(
          say(
            args.shared
              ? `“${lora.name}” is now shared with this ${noun}.`
              : `“${lora.name}” is no longer shared here.`,
          ),
        );
        return;
      }
    }
  },
});
