import { encodeAction } from './button-actions';
import { commandHandler, textValue } from './command-handler';
import type { ParsedCommand } from './command-spec';
import type { Category } from './commands';
import type { CoreClient } from './core-client';
import { generationReply, listLine, shortId } from './generation-reply';
import type { CommandContext } from './kit.types';
import type { KitRuntime } from './kit-runtime';
import { type ActionRow, button, clip, type Inline, link, type Reply, say } from './reply';

/** A typed id (a full one, or the 8 characters shown in chat) as the full id core resolves it to. */
export async function resolveGenerationId(client: CoreClient, typed: string): Promise<string> {
  return (await client.generations.resolveId.query({ ref: typed })).id;
}

const HISTORY_PAGE_SIZE = 8;
const MAX_HISTORY_PAGE = 25;

/** Page `page` (1-based) of the user's history, following core's cursors. */
export async function historyPage(runtime: KitRuntime, ctx: CommandContext, page: number): Promise<Reply> {
  const client = runtime.core.as(ctx.actor);
  let cursor: string | undefined;
  for (let p = 1; p < page; p++) {
    const skipped = await client.history.list.query({
      limit: HISTORY_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    if (!skipped.nextCursor)
      return say(`There is no page ${page}; your history has ${p} page${p === 1 ? '' : 's'}.`);
    cursor = skipped.nextCursor;
  }
  const result = await client.history.list.query({ limit: HISTORY_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
  if (result.items.length === 0)
    return say(page === 1 ? 'Nothing yet: try /generate a lighthouse at dusk' : 'No more.');
  const text: Inline[] = [`Your generations (page ${page}):\n`];
  for (const generation of result.items) text.push(...listLine(generation), '\n');
  text.push('See one with /show <id>.');
  const nav: ActionRow = [];
  if (page > 1) nav.push(button('Newer', encodeAction({ verb: 'history', page: page - 1 })));
  if (result.nextCursor && page < MAX_HISTORY_PAGE) {
    nav.push(button('Older', encodeAction({ verb: 'history', page: page + 1 })));
  }
  return { text, ...(nav.length > 0 ? { actions: [nav] } : {}) };
}

export const historyCommand = commandHandler({
  parse: (parsed) => ({ page: typeof parsed.values.page === 'number' ? parsed.values.page : 1 }),
  async run(runtime, ctx, args) {
    await ctx.reply(await historyPage(runtime, ctx, args.page));
  },
});

const idArgs = (parsed: ParsedCommand) => ({ id: textValue(parsed, 'id') });

export const showCommand = commandHandler({
  parse: idArgs,
  async run(runtime, ctx, args) {
    const client = runtime.core.as(ctx.actor);
    const id = await resolveGenerationId(client, args.id);
    const generation = await client.history.show.query({ id });
    await ctx.reply(generationReply(generation));
  },
});

/** Publishes; the sentence says whether it is visible now or waits for review. */
export async function publishGeneration(client: CoreClient, id: string): Promise<string> {
  const entry = await client.gallery.publish.mutate({ id });
  return entry.state === 'approved'
    ? `Published ${shortId(id)}: it is in the public gallery now.`
    : `Sent ${shortId(id)} to the gallery: a moderator will review it first.`;
}

export async function unpublishGeneration(client: CoreClient, id: string): Promise<string> {
  const result = await client.gallery.unpublish.mutate({ id });
  return result.state === 'removed'
    ? `A moderator removed ${shortId(id)} from the gallery; it stays out.`
    : `${shortId(id)} is no longer in the gallery.`;
}

export async function deleteGeneration(client: CoreClient, id: string): Promise<string> {
  await client.history.delete.mutate({ id });
  return `Deleted ${shortId(id)} for good.`;
}

/** /publish, /unpublish, /delete: one of the user's generations by id, and a sentence about it. */
export const libraryCommand = (act: (client: CoreClient, id: string) => Promise<string>) =>
  commandHandler({
    parse: idArgs,
    async run(runtime, ctx, args) {
      const client = runtime.core.as(ctx.actor);
      const id = await resolveGenerationId(client, args.id);
      await ctx.reply(say(await act(client, id)));
    },
  });

export const galleryCommand = commandHandler({
  parse: (parsed) => ({ category: parsed.values.category as Category | undefined }),
  async run(runtime, ctx, { category }) {
    const feed = await runtime.core
      .as(ctx.actor)
      .gallery.feed.query({ limit: 8, ...(category ? { category } : {}) });
    if (feed.items.length === 0) {
      await ctx.reply(say('The gallery is empty so far: publish something with the Publish button.'));
      return;
    }
    const text: Inline[] = [`The newest in the gallery${category ? ` (${category})` : ''}:\n`];
    for (const item of feed.items) {
      const url = item.outputs.find((o) => o.url)?.url;
      text.push(
        `${item.prompt ? `“${clip(item.prompt, 60)}” ` : ''}by ${item.authorName} · ${item.modelName}`,
      );
      if (url) text.push(' · ', link(url, 'open'));
      text.push('\n');
    }
    await ctx.reply({ text });
  },
});
