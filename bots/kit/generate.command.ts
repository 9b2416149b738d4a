import { ingestAttachment } from './attachment-ingest';
import { FALLBACK_MODEL, PREFERRED_IMAGE_TO_IMAGE } from './catalog-cache';
import { commandHandler } from './command-handler';
import type { CoreClient, ModelView } from './core-client';
import { type GenerateArgs, generateArgsOf } from './generate-args';
import { startGeneration } from './generation-runner';
import type { Attachment } from './kit.types';
import type { KitRuntime } from './kit-runtime';
import { buildModelInput, fileFieldsFor, promptField } from './model-options';
import { UsageError } from './parse-args';

export interface GenerationPlan {
  model: ModelView;
  input: Record<string, unknown>;
  loras: { id: string; scale: number }[];
  /** Why the bot chose another model than asked, when it did. */
  note?: string;
}

/** A model by id or alias: the cached list first, else core (which words "no such model"). */
async function findModel(rt: KitRuntime, client: CoreClient, ref: string): Promise<ModelView> {
  return (await rt.catalog.find(ref)) ?? client.catalog.get.query({ model: ref });
}

/** Another model of the same category that takes this kind of file (and a prompt, when there is one). */
async function modelForFile(
  rt: KitRuntime,
  current: ModelView,
  kind: Attachment['kind'],
  wantsPrompt: boolean,
): Promise<ModelView | undefined> {
  const fits = (m: ModelView) =>
    m.category === current.category &&
    fileFieldsFor(m, kind).length > 0 &&
    (!wantsPrompt || promptField(m) !== undefined);
  const models = await rt.catalog.all();
  return models.find((m) => m.id === PREFERRED_IMAGE_TO_IMAGE && fits(m)) ?? models.find(fits);
}

async function resolveLoras(client: CoreClient, args: GenerateArgs) {
  if (args.loras.length === 0) return [];
  const mine = await client.loras.list.query();
  return args.loras.map((choice) => {
    const lora = mine.find((l) => l.name.toLowerCase() === choice.name.toLowerCase());
    if (!lora) throw new UsageError(`There is no LoRA called "${choice.name}" here; see /lora list`);
    if (lora.status !== 'ready') {
      throw new UsageError(
        `The LoRA "${lora.name}" is ${lora.status === 'training' ? 'still training' : 'not usable: its training failed'}`,
      );
    }
    return { id: lora.id, scale: choice.scale };
  });
}

/**
 * Decides model and input: the typed model or the user's default; a LoRA or an attached file moves
 * to a model that can take it when none was named; the file is ingested through core first.
 */
export async function planGeneration(
  rt: KitRuntime,
  client: CoreClient,
  args: GenerateArgs,
  defaultModel: string | null | undefined,
): Promise<GenerationPlan> {
  let model = await findModel(rt, client, args.model ?? defaultModel ?? FALLBACK_MODEL);
  const notes: string[] = [];
  const loras = await resolveLoras(client, args);
  if (loras.length > 0 && !model.acceptsLoras && !args.model) {
    const alternative = (await rt.catalog.all()).find((m) => m.acceptsLoras && m.category === model.category);
    if (alternative) {
      model = alternative;
      notes.push(`Using ${alternative.name}, which takes LoRAs.`);
    }
  }
  const files: Record<string, string> = {};
  const attachment = args.file;
  if (attachment) {
    let fields = fileFieldsFor(model, attachment.kind);
    if (fields.length === 0) {
      const alternative = await modelForFile(rt, model, attachment.kind, args.prompt !== '');
      if (!alternative) throw new UsageError(`${model.name} cannot use an attached ${attachment.kind}`);
      model = alternative;
      fields = fileFieldsFor(model, attachment.kind);
      notes.push(`Using ${model.name} for your ${attachment.kind}.`);
    }
    // Check the options before fetching the file, so a typo costs no download.
    buildModelInput(model, args, {});
    const upload = await ingestAttachment(client, attachment);
    files[fields[0]!] = upload.id;
  }
  const missing = model.fields.find((f) => f.type === 'file' && f.required && files[f.name] === undefined);
  if (missing?.type === 'file') {
    throw new UsageError(
      `${model.name} needs ${missing.fileKind === 'image' ? 'a photo' : `a ${missing.fileKind} file`}: attach it to your command or reply to one`,
    );
  }
  const input = buildModelInput(model, args, files);
  return { model, input, loras, ...(notes.length > 0 ? { note: notes.join(' ') } : {}) };
}

/** /generate: plan, quote (the price is stated first), then start and follow it. */
export const generateCommand = commandHandler({
  parse: (parsed) => generateArgsOf(parsed),
  async run(rt, ctx, args) {
    const client = rt.core.as(ctx.actor);
    const me = await client.me.get.query();
    const plan = await planGeneration(rt, client, args, me.user.settings.defaultModel);
    const loras = plan.loras.length > 0 ? { loras: plan.loras } : {};
    const quote = await client.generations.quote.query({ model: plan.model.id, input: plan.input, ...loras });
    await startGeneration(rt, ctx, {
      modelName: quote.modelName,
      price: quote.price,
      ...(plan.note ? { note: plan.note } : {}),
      private: !ctx.chat.direct && me.user.settings.deliverPrivately === true,
      create: (origin) =>
        client.generations.create.mutate({
          model: plan.model.id,
          input: plan.input,
          ...loras,
          origin,
          ...(ctx.requestKey ? { requestKey: ctx.requestKey } : {}),
        }),
    });
    rt.completions.invalidate(ctx.actor);
  },
});
