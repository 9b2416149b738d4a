import { encodeAction } from './button-actions';
import type { CoreClient } from './core-client';
import { generationReply, listLine, shortId } from './generation-reply';
import type { CommandContext } from './kit.types';
import type { KitRuntime } from './kit-runtime';
import { UsageError } from './parse-args';
import { type Button, clip, type Inline, link, type Reply, say } from './reply';
import { resolveGenerationId } from './short-ids';

const HISTORY_PAGE_SIZE = 8;
const MAX_HISTORY_PAGE = 25;
const CATEGORIES = ['image', 'video', 'music', '3d', 'audio'] as const;
export type Category = (typeof CATEGORIES)[number];

/** "image" or nothing; UsageError for anything else. */
export function parseCategory(text: string): Category | undefined {
  const value = text.trim().toLowerCase();
  if (!value) return undefined;
  const category = CATEGORIES.find((c) => c === value || `${c}s` === value);
  if (!category) throw new UsageError(`Categories are ${CATEGORIES.join(', ')}`);
  return category;
}

function needId(rest: string): string {
  const id = rest.trim().split(/\s+/)[0] ?? '';
  if (!id) throw new UsageError('Which one? Give its id (the 8 characters under the result)');
  return id;
}

/** Page `page` (1-based) of the user's history, following core's cursors. */
export async function historyPage(rt: KitRuntime, ctx: CommandContext, page: number): Promise<Reply> {
  const client = rt.core.as(ctx.actor);
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
  for (const g of result.items) text.push(...listLine(g), '\n');
  text.push('See one with /show <id>.');
  const nav: Button[] = [];
  if (page > 1) nav.push({ label: 'Newer', action: encodeAction({ verb: 'history', page: page - 1 }) });
  if (result.nextCursor && page < MAX_HISTORY_PAGE) {
    nav.push({ label: 'Older', action: encodeAction({ verb: 'history', page: page + 1 }) });
  }
  return { text, ...(nav.length > 0 ? { buttons: [nav] } : {}) };
}

export async function historyCommand(rt: KitRuntime, ctx: CommandContext, rest: string): Promise<void> {
  const page = rest.trim() === '' ? 1 : Number(rest.trim());
  if (!Number.isInteger(page) || page < 1 || page > MAX_HISTORY_PAGE) {
    throw new UsageError(`A page is a number from 1 to ${MAX_HISTORY_PAGE}`);
  }
  await ctx.reply(await historyPage(rt, ctx, page));
}

export async function showCommand(rt: KitRuntime, ctx: CommandContext, rest: string): Promise<void> {
  const client = rt.core.as(ctx.actor);
  const id = await resolveGenerationId(client, needId(rest));
  const generation = await client.history.show.query({ id });
  await ctx.reply(generationReply(generation, await rt.catalog.followUps()));
}

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

export async function libraryAction(
  rt: KitRuntime,
  ctx: CommandContext,
  rest: string,
  act: (client: CoreClient, id: string) => Promise<string>,
): Promise<void> {
  const client = rt.core.as(ctx.actor);
  const id = await resolveGenerationId(client, needId(rest));
  await ctx.reply(say(await act(client, id)));
}

export async function galleryCommand(rt: KitRuntime, ctx: CommandContext, rest: string): Promise<void> {
  const category = parseCategory(rest);
  const feed = await rt.core
    .as(ctx.actor)
    .gallery.feed.query({ limit: 8, ...(category ? { category } : {}) });
  if (feed.items.length === 0) {
    await ctx.reply(say('The gallery is empty so far: publish something with the Publish button.'));
    return;
  }
  const text: Inline[] = [`The newest in the gallery${category ? ` (${category})` : ''}:\n`];
  for (const item of feed.items) {
    const url = item.outputs.find((o) => o.url)?.url;
    text.push(`${item.prompt ? `“${clip(item.prompt, 60)}” ` : ''}by ${item.authorName} · ${item.modelName}`);
    if (url) text.push(' · ', link(url, 'open'));
    text.push('\n');
  }
  await ctx.reply({ text });
}
