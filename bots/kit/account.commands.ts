import type { CommandContext, MessageRef } from './kit.types';
import type { KitRuntime } from './kit-runtime';
import { parseSwitch, tokenize, UsageError } from './parse-args';
import { bold, code, credits, type Inline, link, type Reply, say } from './reply';

export async function creditsCommand(rt: KitRuntime, ctx: CommandContext): Promise<void> {
  const balance = await rt.core.as(ctx.actor).credits.balance.query();
  const text: Inline[] = ['Your balance: ', bold(credits(balance.personal.available))];
  if (balance.personal.held > 0) text.push(` (${credits(balance.personal.held)} held for running jobs)`);
  text.push('.');
  if (balance.team) {
    text.push("\nThis group's pool: ", bold(credits(balance.team.available)), '.');
    if (balance.usage) {
      text.push(
        balance.usage.cap === null
          ? ` You have used ${credits(balance.usage.used)} of it this month.`
          : ` You have used ${balance.usage.used} of your ${credits(balance.usage.cap)} this month.`,
      );
    }
  }
  text.push(
    `\nGenerations here are paid from ${balance.payer === 'team' ? "the group's pool" : 'your own balance'}.`,
  );
  text.push('\nTop up with /buy.');
  await ctx.reply({ text });
}

/**
 * Sends a private reply; in a group, says so publicly. Secrets (billing links, link codes) never go
 * into a group: without a direct chat, the user is told to message the bot directly.
 */
async function replyPrivately(ctx: CommandContext, reply: Reply, what: string): Promise<MessageRef | null> {
  if (ctx.chat.direct) return ctx.reply(reply);
  const sent = await ctx.sendPrivate(reply).catch(() => null);
  await ctx.reply(
    say(sent ? `I sent you ${what} in a direct message.` : `Message me directly for ${what}: it is private.`),
  );
  return sent;
}

export async function buyCommand(rt: KitRuntime, ctx: CommandContext): Promise<void> {
  const { url, expiresAt } = await rt.core.as(ctx.actor).billing.link.mutate();
  const minutes = Math.max(1, Math.round((new Date(expiresAt).getTime() - Date.now()) / 60_000));
  await replyPrivately(
    ctx,
    say('Buy credits here: ', link(url), `\nThe link is yours alone and works for ${minutes} minutes.`),
    'a link to buy credits',
  );
}

/** /link: a code for the other account, or redeeming one (which merges this account into that one). */
export async function linkCommand(rt: KitRuntime, ctx: CommandContext, rest: string): Promise<void> {
  const client = rt.core.as(ctx.actor);
  const typed = rest.trim();
  if (typed) {
    const user = await client.me.redeemLinkCode.mutate({ code: typed });
    await ctx.reply(
      say(`Linked: this account now shares credits, history, favorites and LoRAs with ${user.displayName}.`),
    );
    return;
  }
  const { code: linkCode, expiresAt } = await client.me.createLinkCode.mutate();
  const minutes = Math.max(1, Math.round((new Date(expiresAt).getTime() - Date.now()) / 60_000));
  await replyPrivately(
    ctx,
    say(
      'Your link code: ',
      code(linkCode),
      `\nOn your other chat app, send /link ${linkCode} to the Atelier bot within ${minutes} minutes. `,
      'That account then joins this one. Never share the code.',
    ),
    'your link code',
  );
}

/** /settings [model <name>] [private on|off] */
export async function settingsCommand(rt: KitRuntime, ctx: CommandContext, rest: string): Promise<void> {
  const client = rt.core.as(ctx.actor);
  const tokens = tokenize(rest);
  const patch: { defaultModel?: string; deliverPrivately?: boolean } = {};
  for (let i = 0; i < tokens.length; i += 2) {
    const key = tokens[i]!.toLowerCase();
    const value = tokens[i + 1];
    if (key === 'model') {
      if (!value) throw new UsageError('Which model? e.g. /settings model sdxl');
      patch.defaultModel = (await client.catalog.get.query({ model: value })).id;
    } else if (key === 'private') {
      patch.deliverPrivately = parseSwitch(value, 'private');
    } else {
      throw new UsageError(`There is no setting "${key}"`);
    }
  }
  const user =
    Object.keys(patch).length > 0
      ? await client.me.updateSettings.mutate(patch)
      : (await client.me.get.query()).user;
  const modelRef = user.settings.defaultModel;
  const model = modelRef ? ((await rt.catalog.find(modelRef))?.name ?? modelRef) : 'the standard one';
  const changed = Object.keys(patch).length > 0 ? 'Saved. ' : '';
  await ctx.reply(
    say(
      `${changed}Default model: `,
      bold(model),
      ' (change: /settings model <name>)\nPrivate delivery: ',
      bold(user.settings.deliverPrivately ? 'on' : 'off'),
      ` (results from groups come to you directly when on: /settings private ${user.settings.deliverPrivately ? 'off' : 'on'})`,
    ),
  );
}

export async function favoriteCommand(rt: KitRuntime, ctx: CommandContext, rest: string): Promise<void> {
  const name = rest.trim();
  if (!name) throw new UsageError('Which model? e.g. /favorite sdxl');
  const model = await rt.core.as(ctx.actor).favorites.toggle.mutate({ model: name });
  await ctx.reply(
    say(
      model.favorite
        ? `${model.name} is now a favorite: it comes first in /models.`
        : `${model.name} is no longer a favorite.`,
    ),
  );
}
