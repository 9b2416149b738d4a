import { commandHandler, textValue } from './command-handler';
import { wordFor } from './command-menus';
import { bold, code, credits, type Inline, link, say } from './reply';
import { replySecret } from './secret-reply';

const minutesUntil = (date: Date) => Math.max(1, Math.round((date.getTime() - Date.now()) / 60_000));

export const creditsCommand = commandHandler({
  parse: () => ({}),
  async run(runtime, ctx) {
    const balance = await runtime.core.as(ctx.actor).credits.balance.query();
    const noun = ctx.traits.spaceNoun;
    const text: Inline[] = ['Your balance: ', bold(credits(balance.personal.available))];
    if (balance.personal.held > 0) text.push(` (${credits(balance.personal.held)} held for running jobs)`);
    text.push('.');
    if (balance.team) {
      text.push(`\nThis ${noun}'s pool: `, bold(credits(balance.team.available)), '.');
      if (balance.usage) {
        text.push(
          balance.usage.cap === null
            ? ` You have used ${credits(balance.usage.used)} of it this month.`
            : ` You have used ${balance.usage.used} of your ${credits(balance.usage.cap)} this month.`,
        );
      }
    }
    text.push(
      `\nGenerations here are paid from ${balance.payer === 'team' ? `the ${noun}'s pool` : 'your own balance'}.`,
    );
    text.push('\nTop up with /buy.');
    await ctx.reply({ text });
  },
});

export const buyCommand = commandHandler({
  parse: () => ({}),
  async run(runtime, ctx) {
    const { url, expiresAt } = await runtime.core.as(ctx.actor).billing.link.mutate();
    await replySecret(
      ctx,
      say(
        'Buy credits here: ',
        link(url),
        `\nThe link is yours alone and works for ${minutesUntil(expiresAt)} minutes.`,
      ),
      'a link to buy credits',
    );
  },
});

/** /link: a code for the other account, or redeeming one (which merges this account into that one). */
export const linkCommand = commandHandler({
  parse: (parsed) => ({ code: textValue(parsed, 'code') }),
  async run(runtime, ctx, args) {
    const client = runtime.core.as(ctx.actor);
    if (args.code) {
      const user = await client.me.redeemLinkCode.mutate({ code: args.code });
      await ctx.reply(
        say(
          `Linked: this account now shares credits, history, favorites and LoRAs with ${user.displayName}.`,
        ),
      );
      return;
    }
    const { code: linkCode, expiresAt } = await client.me.createLinkCode.mutate();
    await replySecret(
      ctx,
      say(
        'Your link code: ',
        code(linkCode),
        `\nOn your other chat app, send /link ${linkCode} to the Atelier bot within ${minutesUntil(expiresAt)} minutes. `,
        'That account then joins this one. Never share the code.',
      ),
      'your link code',
    );
  },
});

interface SettingsPatch {
  model?: string;
  deliverPrivately?: boolean;
}

/** /settings [model <name>] [private on|off] */
export const settingsCommand = commandHandler({
  parse(parsed): SettingsPatch {
    const patch: SettingsPatch = {};
    if (typeof parsed.values.model === 'string') patch.model = parsed.values.model;
    if (typeof parsed.values.private === 'boolean') patch.deliverPrivately = parsed.values.private;
    return patch;
  },
  async run(runtime, ctx, args) {
    const client = runtime.core.as(ctx.actor);
    const changed = Object.keys(args).length > 0;
    if (changed) {
      await client.me.updateSettings.mutate({
        ...(args.model ? { defaultModel: (await client.catalog.get.query({ model: args.model })).id } : {}),
        ...(args.deliverPrivately !== undefined ? { deliverPrivately: args.deliverPrivately } : {}),
      });
    }
    const me = await client.me.get.query();
    runtime.quotes.chose(ctx.actor, me.defaultModel.id);
    const on = me.user.settings.deliverPrivately === true;
    await ctx.reply(
      say(
        `${changed ? 'Saved. ' : ''}Default model: `,
        bold(me.defaultModel.name),
        ' (change: /settings model <name>)\nPrivate delivery: ',
        bold(on ? 'on' : 'off'),
        wordFor(
          ` (results from {space}s come to you directly when on: /settings private ${on ? 'off' : 'on'})`,
          ctx.traits,
        ),
      ),
    );
  },
});

export const favoriteCommand = commandHandler({
  parse: (parsed) => ({ model: textValue(parsed, 'model') }),
  async run(runtime, ctx, args) {
    const model = await runtime.core.as(ctx.actor).favorites.toggle.mutate({ model: args.model });
    runtime.completions.invalidate(ctx.actor);
    await ctx.reply(
      say(
        model.favorite
          ? `${model.name} is now a favorite: it comes first in /models.`
          : `${model.name} is no longer a favorite.`,
      ),
    );
  },
});
