import { ingestAttachment } from './attachment-ingest';
import { commandHandler } from './command-handler';
import type { CoreClient } from './core-client';
import { type GenerateArgs, generateArgsOf } from './generate-args';
import { finishOrPost, startGeneration } from './generation-start';
import { errorReply, type KitRuntime } from './kit-runtime';
import { progressReply } from './progress';

type FieldValue = string | number | boolean;

/** Options named after model fields, as typed: a bare `--flag` means on; core checks them against the model. */
function fieldsOf(args: GenerateArgs): Record<string, FieldValue> {
  return Object.fromEntries(args.fields.map((f) => [f.name, f.value ?? true]));
}

/**
 * What core needs to plan: core picks the model (the typed one, a category word, the user's default,
 * or one that takes the attached file or the LoRAs), maps the prompt and options onto its fields and
 * names the price. Only the file's kind goes in: the bytes are fetched once the plan stands.
 */
function planRequest(args: GenerateArgs) {
  const fields = fieldsOf(args);
  return {
    ...(args.model ? { model: args.model } : {}),
    ...(args.prompt ? { prompt: args.prompt } : {}),
    options: {
      ...(args.size !== undefined ? { size: args.size } : {}),
      ...(args.count !== undefined ? { count: args.count } : {}),
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.negative !== undefined ? { negative: args.negative } : {}),
      ...(Object.keys(fields).length > 0 ? { fields } : {}),
    },
    ...(args.file ? { files: [{ kind: args.file.kind }] } : {}),
    ...(args.loras.length > 0 ? { loras: args.loras } : {}),
  };
}

/** The attachment, ingested through core (allow-listed platform host, size-capped, verified). */
async function uploadFile(client: CoreClient, args: GenerateArgs): Promise<string | undefined> {
  const file = args.file;
  if (!file) return undefined;
  return (await ingestAttachment(client, file)).id;
}

/**
 * /generate: the price is stated first, then the file is uploaded and it starts and is followed. A
 * plain prompt is answered from memory at once (see QuickQuotes) while core plans it; anything else
 * is answered once core has planned it. Core's plan decides either way.
 */
export const generateCommand = commandHandler({
  parse: (parsed) => generateArgsOf(parsed),
  async run(runtime: KitRuntime, ctx, args) {
    const client = runtime.core.as(ctx.actor);
    const guess = runtime.quotes.guess(ctx.actor, args);
    const shownReply = guess
      ? progressReply({ modelName: guess.modelName, price: guess.price, status: 'starting' })
      : null;
    const shown = shownReply ? ctx.reply(shownReply) : null;
    // Awaited below; a failure to post is that command's failure, never an unhandled rejection.
    shown?.catch(() => undefined);
    let plan: Awaited<ReturnType<typeof client.generations.plan.query>>;
    let deliverPrivately: boolean;
    try {
      [plan, deliverPrivately] = await Promise.all([
        client.generations.plan.query(planRequest(args)),
        // Only a shared chat asks where the result goes: a direct chat is private already.
        ctx.chat.direct
          ? false
          : client.me.get.query().then((me) => me.user.settings.deliverPrivately === true),
      ]);
    } catch (error) {
      if (!shown) throw error;
      // Core refused what the first answer announced: that message now says why.
      await finishOrPost(runtime, ctx, await shown, await errorReply(runtime, ctx, error, 'generate'));
      return;
    }
    runtime.quotes.remember(ctx.actor, args, plan.model.id);
    // A typo costs no download: the plan was checked before the file is fetched.
    const uploadId = await uploadFile(client, args);
    const fileField = plan.fileFields[0];
    const input = { ...plan.input, ...(uploadId && fileField ? { [fileField]: uploadId } : {}) };
    const loras = plan.loras.length > 0 ? { loras: plan.loras.map(({ id, scale }) => ({ id, scale })) } : {};
    await startGeneration(runtime, ctx, {
      modelName: plan.model.name,
      price: plan.price,
      ...(plan.note ? { note: plan.note } : {}),
      private: deliverPrivately,
      ...(shown && shownReply ? { shown: { ref: await shown, reply: shownReply } } : {}),
      create: (origin) =>
        client.generations.create.mutate({
          model: plan.model.id,
          input,
          ...loras,
          origin,
          ...(ctx.requestKey ? { requestKey: ctx.requestKey } : {}),
        }),
    });
    runtime.completions.invalidate(ctx.actor);
  },
});
