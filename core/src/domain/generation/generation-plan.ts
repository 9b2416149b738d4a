import { AppError } from '../../errors';
import {
  defaultModelRef,
  getUsableModel,
  listModels,
  type Model,
  quotePrice,
  validateModelInput,
} from '../catalog/catalog.service';
import type { FileKind, ModelCategory } from '../catalog/catalog.types';
import {
  assignFiles,
  describeNeeds,
  mainTextField,
  mapRequest,
  missingInputs,
  type Need,
  type RequestOptions,
} from '../catalog/model-request';
import { findUsableLora } from '../lora/lora.service';
import { type Actor, checkBlocklist, type GenerationDeps } from './generation.service';

/** Words that name a kind of result rather than a model: the planner picks the category's model that fits. */
export const CATEGORY_WORDS: readonly ModelCategory[] = ['image', 'video', 'music', '3d', 'audio'];

export interface PlanRequest {
  /** A model id or alias, or a category word ('image', 'video', 'music', '3d', 'audio'). Default: the user's. */
  model?: string;
  prompt?: string;
  options?: RequestOptions;
  /** Attached files, in order; `uploadId` once uploaded (a plan before the upload needs only the kind). */
  files?: { kind: FileKind; uploadId?: string }[];
  loras?: { name: string; scale?: number }[];
}

export interface GenerationPlan {
  model: { id: string; name: string; category: ModelCategory; acceptsLoras: boolean };
  /** The model's input for `generations.create`; file fields hold the upload ids given (none before upload). */
  input: Record<string, unknown>;
  /** For each file given, in order, the input field it fills: put its upload id there. */
  fileFields: string[];
  loras: { id: string; name: string; scale: number }[];
  /** What it costs, in credits. */
  price: number;
  /** Words for a switch away from the model asked for (or the default), e.g. "Using X for your image." */
  note: string | null;
}

const PLACEHOLDER_UPLOAD = '00000000-0000-4000-8000-000000000000';

interface Fit {
  ok: boolean;
  /** Why not, most telling first. */
  problem?:
    | { kind: 'file'; fileKind: FileKind }
    | { kind: 'lora' }
    | { kind: 'prompt' }
    /** An option the model does not have, or a value it cannot take: never a reason to switch models. */
    | { kind: 'option' }
    | { kind: 'needs'; needs: Need[] };
}

/**
 * Decides which model runs a chat request and with what input: the model asked for (or a category's
 * model that fits, or the user's default); a LoRA or an attached file moves the request to a model of
 * the same category that can take it; the prompt goes into the model's main text field. Holds and
 * uploads nothing. INVALID_INPUT, in words, says what a model still needs (`details.needs`).
 */
export async function planGeneration(
  deps: Pick<GenerationDeps, 'db' | 'config'>,
  actor: Actor,
  request: PlanRequest,
): Promise<GenerationPlan> {
  const prompt = request.prompt?.trim() || undefined;
  const files = request.files ?? [];
  const kinds = files.map((f) => f.kind);
  const loras = await Promise.all(
    (request.loras ?? []).map(async (choice) => ({
      ...(await findUsableLora(deps, actor, choice.name)),
      scale: choice.scale ?? 1,
    })),
  );
  const fit = (model: Model): Fit => fitOf(model, prompt, request.options, kinds, loras.length > 0);

  const ref = request.model?.trim().toLowerCase();
  const category = CATEGORY_WORDS.find((c) => c === ref);
  let model: Model;
  let note: string | null = null;
  if (category) {
    const candidates = (await listModels(deps.db, { category })).filter((m) => m.category === category);
    const chosen = candidates.find((m) => fit(m).ok);
    if (!chosen) {
      const first = candidates[0];
      if (!first)
        throw AppError.invalidInput(`No ${category} model is available right now`, {
          model: ['none enabled'],
        });
      throw refusal(first, fit(first), prompt, request.options, kinds);
    }
    model = chosen;
  } else {
    const asked = await getUsableModel(deps.db, ref ?? defaultModelRef(actor.user.settings));
    model = asked;
    const askedFit = fit(asked);
    // A named model is kept unless it cannot take the attached file; the default gives way to any need.
    const why = askedFit.problem?.kind;
    const mayMove = !askedFit.ok && why !== 'option' && (ref === undefined || why === 'file');
    if (mayMove) {
      const siblings = (await listModels(deps.db, { category: asked.category })).filter(
        (m) => m.category === asked.category && m.id !== asked.id,
      );
      const alternative = siblings.find((m) => fit(m).ok);
      if (alternative) {
        model = alternative;
        note = switchNote(alternative, askedFit);
      }
    }
    if (model === asked && !askedFit.ok) throw refusal(asked, askedFit, prompt, request.options, kinds);
  }

  const fileFields = assignFiles(model, kinds) as string[];
  const input = mapRequest(model, prompt, request.options);
  const forPricing = { ...input };
  fileFields.forEach((field, i) => {
    const uploadId = files[i]?.uploadId;
    if (uploadId) input[field] = uploadId;
    forPricing[field] = uploadId ?? PLACEHOLDER_UPLOAD;
  });
  const validated = validateModelInput(model, forPricing);
  checkBlocklist(deps.config.promptBlocklist, model, validated);
  return {
    model: { id: model.id, name: model.name, category: model.category, acceptsLoras: model.acceptsLoras },
    input,
    fileFields,
    loras: loras.map((l) => ({ id: l.id, name: l.name, scale: l.scale })),
    price: quotePrice(model, validated),
    note,
  };
}

function fitOf(
  model: Model,
  prompt: string | undefined,
  options: RequestOptions | undefined,
  kinds: readonly FileKind[],
  wantsLoras: boolean,
): Fit {
  const fileFields = assignFiles(model, kinds);
  const homeless = fileFields.indexOf(null);
  if (homeless >= 0) return { ok: false, problem: { kind: 'file', fileKind: kinds[homeless]! } };
  if (wantsLoras && !model.acceptsLoras) return { ok: false, problem: { kind: 'lora' } };
  if (prompt !== undefined && !mainTextField(model)) return { ok: false, problem: { kind: 'prompt' } };
  let mapped: Record<string, unknown>;
  try {
    mapped = mapRequest(model, prompt, options);
  } catch {
    return { ok: false, problem: { kind: 'option' } };
  }
  const provided = new Set([...Object.keys(mapped), ...(fileFields as string[])]);
  const needs = missingInputs(model, provided);
  return needs.length === 0 ? { ok: true } : { ok: false, problem: { kind: 'needs', needs } };
}

function switchNote(chosen: Model, why: Fit): string {
  switch (why.problem?.kind) {
    case 'file':
      return `Using ${chosen.name} for your ${why.problem.fileKind}.`;
    case 'lora':
      return `Using ${chosen.name}, which takes LoRAs.`;
    default:
      return `Using ${chosen.name}, which can work from what you gave.`;
  }
}

/** The error for a model that cannot run the request, saying what it takes instead. */
function refusal(
  model: Model,
  why: Fit,
  prompt: string | undefined,
  options: RequestOptions | undefined,
  kinds: readonly FileKind[],
): AppError {
  const problem = why.problem;
  if (!problem) return AppError.invalidInput(`${model.name} cannot run this request`);
  switch (problem.kind) {
    case 'file':
      return AppError.invalidInput(`${model.name} cannot use an attached ${problem.fileKind}`, {
        files: [`${model.name} takes no ${problem.fileKind}`],
      });
    case 'lora':
      return AppError.invalidInput(`${model.name} does not take LoRAs; try flux-lora`, {
        loras: ['not supported by this model'],
      });
    case 'prompt': {
      const attached = assignFiles(model, kinds).filter((f): f is string => f !== null);
      const needs = missingInputs(model, new Set(attached));
      const takes =
        needs.length > 0
          ? `; it needs ${describeNeeds(model, needs).slice(`${model.name} needs `.length)}`
          : '; leave the words out';
      return new AppError('INVALID_INPUT', `${model.name} takes no text prompt${takes}`, {
        fieldErrors: { prompt: ['this model takes no prompt'] },
        needs,
      });
    }
    case 'option':
      // The mapping says which option, in words.
      try {
        mapRequest(model, prompt, options);
      } catch (error) {
        if (error instanceof AppError) return error;
        throw error;
      }
      return AppError.invalidInput(`${model.name} cannot run this request`);
    case 'needs': {
      const fieldErrors = Object.fromEntries(problem.needs.map((n) => [n.field, ['required']]));
      return new AppError('INVALID_INPUT', describeNeeds(model, problem.needs), {
        fieldErrors,
        needs: problem.needs,
      });
    }
  }
}
