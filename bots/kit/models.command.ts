import { pagedChoices } from './action-layout';
import { encodeAction } from './button-actions';
import { commandHandler } from './command-handler';
import type { Category } from './commands';
import type { ModelView } from './core-client';
import type { CommandContext } from './kit.types';
import type { KitRuntime } from './kit-runtime';
import type { PlatformTraits } from './platform-traits';
import { type ActionRow, bold, clip, credits, type Inline } from './reply';

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

/** The picker's buttons (or select): one page within the platform's limits, the default marked. */
export function modelPicker(
  models: readonly ModelView[],
  current: string | null | undefined,
  category: Category | null,
  page: number,
  traits: PlatformTraits,
): ActionRow[] {
  const options = models.map((model) => ({
    label: clip(model.name, 30),
    action: encodeAction({ verb: 'use-model', modelId: model.id }),
    ...(model.id === current ? { selected: true } : {}),
  }));
  return pagedChoices(options, {
    page,
    traits,
    columns: PICKER_COLUMNS,
    placeholder: 'Make one your default model',
    pageAction: (p) => encodeAction({ verb: 'models-page', category, page: p }),
  }).rows;
}

/** The models and the current default, as the picker needs them. */
export async function pickerData(runtime: KitRuntime, ctx: CommandContext, category: Category | null) {
  const client = runtime.core.as(ctx.actor);
  const [models, me] = await Promise.all([
    client.catalog.list.query(category ? { category } : {}),
    client.me.get.query(),
  ]);
  return { models, current: me.user.settings.defaultModel };
}

/** /models [category]: favorites first, price shown; the picker makes a model the default. */
export const modelsCommand = commandHandler({
  parse: (parsed) => ({ category: (parsed.values.category as Category | undefined) ?? null }),
  async run(runtime, ctx, { category }) {
    const { models, current } = await pickerData(runtime, ctx, category);
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
    await ctx.reply({ text, actions: modelPicker(models, current, category, 1, ctx.traits) });
  },
});
