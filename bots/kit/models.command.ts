import { encodeAction, fits } from './button-actions';
import type { ModelView } from './core-client';
import type { CommandContext } from './kit.types';
import type { KitRuntime } from './kit-runtime';
import { parseCategory } from './library.commands';
import { type Button, bold, clip, credits, type Inline } from './reply';

/** "1 credit per image", "8 credits", "2 credits per second", "3 credits per 1,000 characters". */
export function priceLabel(model: Pick<ModelView, 'price' | 'unitCredits' | 'basePrice'>): string {
  switch (model.price.kind) {
    case 'flat':
      return credits(model.basePrice);
    case 'per_output':
      return `${credits(model.unitCredits)} per ${model.price.countField === 'num_images' ? 'image' : 'output'}`;
    case 'per_second':
      return `${credits(model.unitCredits)} per second (from ${credits(model.basePrice)})`;
    case 'per_1k_chars':
      return `${credits(model.unitCredits)} per 1,000 characters`;
  }
}

const PICKER_COLUMNS = 2;

/** /models [category]: favorites first, price shown; buttons make a model the default. */
export async function modelsCommand(rt: KitRuntime, ctx: CommandContext, rest: string): Promise<void> {
  const category = parseCategory(rest);
  const client = rt.core.as(ctx.actor);
  const [models, me] = await Promise.all([
    client.catalog.list.query(category ? { category } : {}),
    client.me.get.query(),
  ]);
  const current = me.user.settings.defaultModel;
  const text: Inline[] = [category ? `${category} models:\n` : 'Models (★ favorite, ✓ your default):\n'];
  let lastCategory = '';
  for (const model of models) {
    if (!category && !model.favorite && model.category !== lastCategory)
      text.push(bold(`\n${model.category}\n`));
    if (!model.favorite) lastCategory = model.category;
    const marks = `${model.favorite ? '★ ' : ''}${model.id === current ? '✓ ' : ''}`;
    text.push(`${marks}${model.name} (${model.aliases[0] ?? model.id}): ${priceLabel(model)}`);
    if (category) text.push(` - ${clip(model.description, 120)}`);
    text.push('\n');
  }
  text.push('Use one with /generate --model <name> ..., or tap to make it your default.');
  const buttons: Button[][] = [];
  for (const model of models) {
    const action = encodeAction({ verb: 'use-model', modelId: model.id });
    if (!fits(action)) continue;
    const row = buttons.at(-1);
    const button = { label: `${model.id === current ? '✓ ' : ''}${clip(model.name, 30)}`, action };
    if (row && row.length < PICKER_COLUMNS) row.push(button);
    else buttons.push([button]);
  }
  await ctx.reply({ text, buttons });
}
