import { z } from 'zod';
import type { CatalogModel, ModelField, PriceRule } from './catalog.types';

/** What `buildInputSchema` needs: a catalog model or the LoRA trainer both fit. */
export interface InputSpec {
  fields: readonly ModelField[];
  requireOneOf?: readonly string[];
}

/** What `priceFor` needs. */
export interface PriceSpec {
  fields: readonly ModelField[];
  price: PriceRule;
}

const NOT_BLANK = /\S/;

function fieldSchema(field: ModelField): z.ZodType {
  switch (field.type) {
    case 'text': {
      let schema = z.string().max(field.maxLength);
      if (field.minLength !== undefined) schema = schema.min(field.minLength);
      if (field.required) schema = schema.regex(NOT_BLANK, { message: `${field.label} must not be empty` });
      return schema;
    }
    case 'int':
      return z.number().int().min(field.min).max(field.max);
    case 'number':
      return z.number().min(field.min).max(field.max);
    case 'enum':
      return z.enum(field.options);
    case 'bool':
      return z.boolean();
    case 'file':
      // An uploaded asset's id; the job layer resolves it to a URL fal can fetch.
      return z.uuid();
  }
}

function withPresence(field: ModelField, schema: z.ZodType): z.ZodType {
  if ('default' in field && field.default !== undefined) return schema.default(field.default as never);
  return field.required ? schema : schema.optional();
}

/**
 * Validates a user's input for a model: types, ranges, enum options, text lengths, required fields
 * and no unknown keys. Parsing fills in defaults, so the output is what gets sent to fal (after file
 * ids are turned into URLs).
 */
export function buildInputSchema(model: InputSpec): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const field of model.fields) shape[field.name] = withPresence(field, fieldSchema(field));

  const object = z.strictObject(shape) as z.ZodType<Record<string, unknown>>;
  const oneOf = model.requireOneOf;
  if (!oneOf || oneOf.length === 0) return object;
  return object.refine((input) => oneOf.some((name) => input[name] !== undefined), {
    message: `Give at least one of: ${oneOf.join(', ')}`,
    path: [oneOf[0] ?? ''],
  });
}

function fieldDefault(model: PriceSpec, name: string): unknown {
  const field = model.fields.find((f) => f.name === name);
  return field && 'default' in field ? field.default : undefined;
}

function inputValue(model: PriceSpec, input: Record<string, unknown>, name: string): unknown {
  return input[name] ?? fieldDefault(model, name);
}

const SECONDS = /^\s*(\d+(?:\.\d+)?)\s*s?\s*$/i;

function parseSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = SECONDS.exec(value);
  const seconds = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

function unitsFor(model: PriceSpec, rule: PriceRule, input: Record<string, unknown>): number {
  switch (rule.kind) {
    case 'flat':
      return 1;
    case 'per_output': {
      const count = inputValue(model, input, rule.countField);
      if (count === undefined) return 1;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
        throw new Error(`Cannot price: ${rule.countField} must be a positive integer`);
      }
      return count;
    }
    case 'per_second': {
      const seconds = parseSeconds(inputValue(model, input, rule.durationField));
      if (seconds === undefined) throw new Error(`Cannot price: ${rule.durationField} is not a duration`);
      return seconds;
    }
    case 'per_1k_chars': {
      const text = inputValue(model, input, rule.textField);
      if (typeof text !== 'string') throw new Error(`Cannot price: ${rule.textField} is not text`);
      return Math.max(1, Math.ceil(text.length / 1000));
    }
  }
}

/**
 * Credits a job costs, from the model's price rule and the (preferably validated) input. Values the
 * input leaves out fall back to the field's default. `override` (e.g. a community's own price)
 * replaces the rule's per-unit `credits`. Always a whole number, at least 1.
 */
export function priceFor(model: PriceSpec, input: Record<string, unknown>, override?: number): number {
  const rule = model.price;
  const perUnit = override ?? rule.credits;
  if (!Number.isFinite(perUnit) || perUnit < 0) throw new Error(`Invalid credit price: ${perUnit}`);

  let total = perUnit * unitsFor(model, rule, input);
  for (const adjustment of rule.adjustments ?? []) {
    if (inputValue(model, input, adjustment.field) === adjustment.equals) total *= adjustment.factor;
  }
  // Round away float noise (0.2 * 1000 = 200.00000000000003) before rounding up.
  const rounded = Math.ceil(Math.round(total * 1e6) / 1e6);
  return Math.max(1, rounded);
}

/** Finds a model by id or alias, ignoring case and surrounding spaces. Disabled models are included. */
export function resolveModel<T extends Pick<CatalogModel, 'id' | 'aliases'>>(
  catalog: readonly T[],
  idOrAlias: string,
): T | undefined {
  const key = idOrAlias.trim().toLowerCase();
  if (key === '') return undefined;
  return (
    catalog.find((m) => m.id.toLowerCase() === key) ??
    catalog.find((m) => m.aliases.some((alias) => alias.toLowerCase() === key))
  );
}
