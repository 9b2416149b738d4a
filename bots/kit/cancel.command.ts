import { commandHandler, textValue } from './command-handler';
import type { CoreClient, GenerationView } from './core-client';
import { shortId } from './generation-reply';
import { resolveGenerationId } from './library.commands';
import { UsageError } from './parse-args';
import { isFinal } from './progress';
import { credits, say } from './reply';

const RECENT = 20;

/** The user's most recent generation that is still running. */
async function latestRunning(client: CoreClient): Promise<string> {
  const page = await client.history.list.query({ limit: RECENT });
  const running = page.items.find((generation) => !isFinal(generation.status));
  if (!running) throw new UsageError('Nothing of yours is running right now');
  return running.id;
}

/**
 * What the user is told after asking to cancel (core releases the hold exactly once). When the
 * provider finished at that same moment, core answers with the finished job instead.
 */
export function cancelledSentence(
  generation: Pick<GenerationView, 'id' | 'modelName' | 'price' | 'status'>,
): string {
  if (generation.status === 'succeeded')
    return `${shortId(generation.id)} (${generation.modelName}) finished just before it could be cancelled; the result is on its way.`;
  return `Cancelled ${shortId(generation.id)} (${generation.modelName}); your ${credits(generation.price)} came back.`;
}

/** Cancels a running generation in core, which also cancels the provider's request where it can. */
export async function cancelGeneration(client: CoreClient, id: string): Promise<GenerationView> {
  return client.generations.cancel.mutate({ id });
}

/** /cancel [id]: the given job, or the latest one still running. */
export const cancelCommand = commandHandler({
  parse: (parsed) => ({ id: textValue(parsed, 'id') }),
  async run(runtime, ctx, args) {
    const client = runtime.core.as(ctx.actor);
    const id = args.id ? await resolveGenerationId(client, args.id) : await latestRunning(client);
    const cancelled = await cancelGeneration(client, id);
    await ctx.reply(say(cancelledSentence(cancelled)));
  },
});
