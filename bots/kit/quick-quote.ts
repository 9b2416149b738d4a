import type { CatalogCache } from './catalog-cache';
import type { GenerateArgs } from './generate-args';
import type { Actor } from './kit.types';

/** People whose last plain prompt's model is remembered; the oldest go first beyond this. */
const MAX_PEOPLE = 10_000;

export interface QuickQuote {
  modelId: string;
  modelName: string;
  price: number;
}

/** A request core plans from the prompt and the person's settings alone. */
const isPlain = (args: GenerateArgs) =>
  args.prompt.trim() !== '' &&
  args.model === undefined &&
  args.size === undefined &&
  args.count === undefined &&
  args.seed === undefined &&
  args.negative === undefined &&
  args.loras.length === 0 &&
  args.fields.length === 0 &&
  args.file === undefined;

/**
 * The first answer to a plain `/generate <prompt>`, from memory, so the chat hears back before core
 * has planned the request. The model is the one core chose for this person's last plain prompt (their
 * default), or the catalog's default for someone this bot has not seen yet; the price is what core's
 * catalog says a prompt-only request on it costs (`promptPrice`, cached). Core's plan is asked for at
 * the same time and has the last word: when it differs (settings changed elsewhere, a re-price, a
 * refusal), the message is corrected before anything starts. Anything but a plain prompt waits for
 * core, and so does everything when the catalog is not cached yet.
 */
export class QuickQuotes {
  private readonly lastModel = new Map<string, string>();

  constructor(
    private readonly catalog: CatalogCache,
    private readonly maxPeople = MAX_PEOPLE,
  ) {}

  guess(actor: Actor, args: GenerateArgs): QuickQuote | null {
    if (!isPlain(args)) return null;
    const models = this.catalog.peek();
    if (!models) return null;
    const remembered = this.lastModel.get(actor.userId);
    const model = remembered ? models.find((m) => m.id === remembered) : models.find((m) => m.isDefault);
    if (!model || model.promptPrice === null) return null;
    return { modelId: model.id, modelName: model.name, price: model.promptPrice };
  }

  /** What core planned for a plain prompt: the model to guess next time. */
  remember(actor: Actor, args: GenerateArgs, modelId: string): void {
    if (isPlain(args)) this.chose(actor, modelId);
  }

  /** The person's default model, as core just said (their settings, read or changed here). */
  chose(actor: Actor, modelId: string): void {
    this.lastModel.delete(actor.userId);
    this.lastModel.set(actor.userId, modelId);
    if (this.lastModel.size > this.maxPeople) this.lastModel.delete(this.lastModel.keys().next().value!);
  }
}
