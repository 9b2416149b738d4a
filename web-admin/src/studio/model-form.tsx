import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useDeferredValue, useId } from 'react';
import { Link } from 'react-router';
import { api, appErrorOf } from '../lib/api';
import { formatCredits } from '../lib/format';
import { FileInput } from './file-input';
import type { Credits, ModelField, StudioModel } from './studio-api';

export type FieldValue = string | number | boolean;
export type FormValues = Record<string, FieldValue | undefined>;
export type PayWith = 'personal' | 'team';
export interface LoraChoice {
  id: string;
  scale: number;
}

/** The catalog's defaults for a model: the form's starting values. */
export function defaultValues(model: StudioModel): FormValues {
  const values: FormValues = {};
  for (const field of model.fields) {
    if (field.type !== 'file' && field.default !== undefined) values[field.name] = field.default;
  }
  return values;
}

/** The values as the model's input: blanks left out, so the catalog's defaults apply. */
export function toModelInput(values: FormValues): Record<string, FieldValue> {
  const input: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') input[name] = value;
  }
  return input;
}

interface ModelFormProps {
  model: StudioModel;
  values: FormValues;
  onChange: (values: FormValues) => void;
  loras: LoraChoice[];
  onLorasChange: (loras: LoraChoice[]) => void;
  credits: Credits | undefined;
  payWith: PayWith;
  onPayWithChange: (payWith: PayWith) => void;
  /** Field messages from the last refused request. */
  fieldErrors: Record<string, string[]>;
  submitError: unknown;
  busy: boolean;
  onSubmit: () => void;
}

/** The chosen model's input form, generated from its catalog schema, with the live price and who pays. */
export function ModelForm(props: ModelFormProps) {
  const { model, values, onChange, fieldErrors } = props;
  const deferred = useDeferredValue(values);
  const quote = useQuery({
    queryKey: ['studio', 'quote', model.id, toModelInput(deferred), props.loras],
    queryFn: () =>
      api.generations.quote.query({
        model: model.id,
        input: toModelInput(deferred),
        ...(props.loras.length ? { loras: props.loras } : {}),
      }),
    retry: false,
    placeholderData: (previous) => previous,
  });
  const quoteErrors = quote.isError ? appErrorOf(quote.error).fieldErrors : {};
  const errorsFor = (name: string) =>
    fieldErrors[name] ?? (values[name] !== undefined ? quoteErrors[name] : undefined);
  const price = quote.isError ? null : (quote.data?.price ?? null);
  const balance = props.credits
    ? props.payWith === 'team' && props.credits.team
      ? props.credits.team
      : props.credits.personal
    : null;
  const insufficient = price !== null && balance !== null && price > balance.available;
  const submitProblem = props.submitError ? appErrorOf(props.submitError) : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    props.onSubmit();
  }

  return (
    <form className="studio-form" noValidate onSubmit={submit} aria-label={`${model.name} options`}>
      <h2>{model.name}</h2>
      <p className="small muted">{model.description}</p>
      {model.fields.map((field) => (
        <FieldControl
          key={`${model.id}:${field.name}`}
          field={field}
          value={values[field.name]}
          errors={errorsFor(field.name)}
          onChange={(value) => onChange({ ...values, [field.name]: value })}
        />
      ))}
      {model.acceptsLoras && <LoraPicker loras={props.loras} onChange={props.onLorasChange} />}
      {props.credits?.team && props.credits.teamSpendable && (
        <fieldset className="radio-row">
          <legend>Pay from</legend>
          <label>
            <input
              type="radio"
              name="payWith"
              checked={props.payWith === 'team'}
              onChange={() => props.onPayWithChange('team')}
            />
            Team pool ({formatCredits(props.credits.team.available)})
          </label>
          <label>
            <input
              type="radio"
              name="payWith"
              checked={props.payWith === 'personal'}
              onChange={() => props.onPayWithChange('personal')}
            />
            My balance ({formatCredits(props.credits.personal.available)})
          </label>
        </fieldset>
      )}
      <p className="studio-price" aria-live="polite">
        {price === null ? `Price: from ${formatCredits(model.basePrice)}` : `Price: ${formatCredits(price)}`}
      </p>
      {(insufficient || submitProblem?.code === 'INSUFFICIENT_CREDITS') && balance && (
        <div className="notice notice-error" role="alert">
          <p>
            <strong>Insufficient credits.</strong> This costs {formatCredits(price ?? 0)}; you have{' '}
            {formatCredits(balance.available)}.
          </p>
          <p>
            <Link to="/billing">Buy credits on the billing page</Link>
          </p>
        </div>
      )}
      {submitProblem && submitProblem.code !== 'INSUFFICIENT_CREDITS' && (
        <div className="notice notice-error" role="alert">
          <p>{submitProblem.message}</p>
        </div>
      )}
      <button type="submit" className="button wide" disabled={props.busy}>
        {props.busy ? 'Starting…' : 'Generate'}
      </button>
      <p className="small muted">
        <kbd>Ctrl</kbd>/<kbd>⌘</kbd> + <kbd>Enter</kbd> generates; <kbd>↑</kbd> <kbd>↓</kbd> move through your
        history.
      </p>
    </form>
  );
}

function FieldControl({
  field,
  value,
  errors,
  onChange,
}: {
  field: ModelField;
  value: FieldValue | undefined;
  errors: string[] | undefined;
  onChange: (value: FieldValue | undefined) => void;
}) {
  const id = useId();
  if (field.type === 'file') {
    return (
      <FileInput
        field={field}
        value={typeof value === 'string' ? value : undefined}
        errors={errors}
        onChange={onChange}
      />
    );
  }
  const hint =
    field.type === 'int' || field.type === 'number'
      ? `${field.min} to ${field.max}${field.default !== undefined ? `, default ${field.default}` : ''}`
      : field.description;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-describedby': describedBy, 'aria-invalid': Boolean(errorId) || undefined };
  const label = `${field.label}${field.required && !('default' in field && field.default !== undefined) ? ' (required)' : ''}`;
  let control: React.ReactNode;
  switch (field.type) {
    case 'text':
      control =
        field.maxLength > 300 ? (
          <textarea
            {...common}
            rows={field.name === 'prompt' ? 4 : 2}
            maxLength={field.maxLength}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => onChange(e.target.value)}
          />
        ) : (
          <input
            {...common}
            type="text"
            maxLength={field.maxLength}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => onChange(e.target.value)}
          />
        );
      break;
    case 'int':
    case 'number':
      control = (
        <input
          {...common}
          type="number"
          inputMode={field.type === 'int' ? 'numeric' : 'decimal'}
          min={field.min}
          max={field.max}
          step={field.type === 'int' ? 1 : 'any'}
          value={typeof value === 'number' ? value : ''}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      );
      break;
    case 'enum':
      control = (
        <select
          {...common}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.target.value || undefined)}
        >
          {field.default === undefined && <option value="">Choose…</option>}
          {field.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
      break;
    case 'bool':
      return (
        <div className="field field-check">
          <label>
            <input
              type="checkbox"
              aria-describedby={describedBy}
              checked={value === true}
              onChange={(e) => onChange(e.target.checked)}
            />{' '}
            {field.label}
          </label>
          {errorId && (
            <p id={errorId} className="field-error" role="alert">
              {errors!.join(' ')}
            </p>
          )}
        </div>
      );
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {errorId && (
        <p id={errorId} className="field-error" role="alert">
          {errors!.join(' ')}
        </p>
      )}
    </div>
  );
}

/** The user's ready LoRAs (and the space's shared ones), each with a scale slider; at most three. */
function LoraPicker({ loras, onChange }: { loras: LoraChoice[]; onChange: (loras: LoraChoice[]) => void }) {
  const list = useQuery({ queryKey: ['studio', 'loras'], queryFn: () => api.loras.list.query() });
  const ready = (list.data ?? []).filter((l) => l.status === 'ready');
  if (ready.length === 0) return null;
  return (
    <fieldset className="studio-loras">
      <legend>LoRAs</legend>
      {ready.map((lora) => {
        const chosen = loras.find((l) => l.id === lora.id);
        return (
          <div key={lora.id} className="studio-lora">
            <label>
              <input
                type="checkbox"
                checked={chosen !== undefined}
                disabled={!chosen && loras.length >= 3}
                onChange={(e) =>
                  onChange(
                    e.target.checked
                      ? [...loras, { id: lora.id, scale: 1 }]
                      : loras.filter((l) => l.id !== lora.id),
                  )
                }
              />{' '}
              {lora.name}
              {!lora.owned && <span className="badge">shared</span>}
            </label>
            {chosen && (
              <label className="studio-lora-scale">
                Scale for {lora.name}
                <input
                  type="range"
                  min={0}
                  max={2}
                  step={0.05}
                  value={chosen.scale}
                  onChange={(e) =>
                    onChange(
                      loras.map((l) => (l.id === lora.id ? { ...l, scale: Number(e.target.value) } : l)),
                    )
                  }
                />
                <output>{chosen.scale.toFixed(2)}</output>
              </label>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
