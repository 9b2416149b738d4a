import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, appErrorOf, newIdempotencyKey } from '../lib/api';
import { formatCredits } from '../lib/format';
import { useSession } from '../lib/session';
import { usePageTitle } from '../lib/use-page-title';
import { ErrorNotice, Loading } from '../ui/status';
import { type HistoryHandle, HistoryPanel } from './history-panel';
import {
  defaultValues,
  type FormValues,
  type LoraChoice,
  ModelForm,
  type PayWith,
  toModelInput,
} from './model-form';
import { ModelPicker } from './model-picker';
import { Preview } from './preview';
import {
  type Credits,
  DEFAULT_MODEL,
  type StudioModel,
  studioKeys,
  useCredits,
  useModels,
} from './studio-api';
import './studio.css';

/** The web studio at /studio: model and form on the left, the preview in the centre, history on the right. */
export function StudioPage() {
  usePageTitle('Studio');
  const session = useSession();
  if (session.isPending) return <Loading />;
  if (session.isError) return <ErrorNotice error={session.error} />;
  if (!session.data) {
    return (
      <div className="page narrow">
        <h1>Studio</h1>
        <div className="notice">
          <p>
            Sign in first: send <code>/web</code> to the Atelier bot in your chat app and open the link it
            gives you. Your credits, favorites, LoRAs and history come with you.
          </p>
        </div>
      </div>
    );
  }
  return <Studio />;
}

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  );
}

function Studio() {
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const models = useModels();
  const credits = useCredits();
  const modelId = params.get('model') ?? DEFAULT_MODEL;
  const selectedId = params.get('g');
  const model = models.data?.find((m) => m.id === modelId || m.aliases.includes(modelId));
  const [values, setValues] = useState<FormValues>({});
  const [loras, setLoras] = useState<LoraChoice[]>([]);
  const [payWith, setPayWith] = useState<PayWith | null>(null);
  const history = useRef<HistoryHandle>(null);
  const shownModel = useRef<string | null>(null);

  const setParam = useCallback(
    (name: string, value: string | null) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (value === null) next.delete(name);
          else next.set(name, value);
          return next;
        },
        { replace: name === 'g' },
      ),
    [setParams],
  );
  const select = useCallback((id: string | null) => setParam('g', id), [setParam]);
  const chosenPayer: PayWith = payWith ?? credits.data?.payer ?? 'personal';

  const create = useMutation({
    mutationFn: (m: StudioModel) =>
      api.generations.create.mutate({
        model: m.id,
        input: toModelInput(values),
        ...(m.acceptsLoras && loras.length ? { loras } : {}),
        ...(credits.data?.team && credits.data.teamSpendable ? { payWith: chosenPayer } : {}),
        requestKey: newIdempotencyKey(),
      }),
    onSuccess: ({ generation }) => {
      client.setQueryData(studioKeys.generation(generation.id), generation);
      void client.invalidateQueries({ queryKey: studioKeys.historyAll });
      void client.invalidateQueries({ queryKey: studioKeys.credits });
      select(generation.id);
    },
  });
  // A newly chosen model starts from its catalog defaults, keeping the prompt already typed.
  useEffect(() => {
    if (!model || shownModel.current === model.id) return;
    shownModel.current = model.id;
    setValues((previous) => {
      const next = defaultValues(model);
      if (typeof previous.prompt === 'string' && model.fields.some((f) => f.name === 'prompt')) {
        next.prompt = previous.prompt;
      }
      return next;
    });
    setLoras([]);
    create.reset();
  }, [model, create.reset]);

  const generate = useCallback(() => {
    if (model && !create.isPending) create.mutate(model);
  }, [model, create]);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        generate();
      } else if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && !isTyping(event.target)) {
        event.preventDefault();
        history.current?.move(event.key === 'ArrowDown' ? 1 : -1);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [generate]);

  return (
    <div className="studio">
      <div className="studio-top">
        <h1>Studio</h1>
        <CreditsSummary credits={credits.data} />
      </div>
      <div className="studio-columns">
        <div className="studio-left">
          {models.isPending && <Loading label="Loading models…" />}
          {models.isError && <ErrorNotice error={models.error} />}
          {models.data && !model && (
            <div className="notice notice-error" role="alert">
              <p>There is no model “{modelId}”. Pick one from the list.</p>
            </div>
          )}
          {models.data && (
            <ModelPicker
              models={models.data}
              selectedId={model?.id ?? ''}
              onSelect={(m) => setParam('model', m.id)}
            />
          )}
          {model && (
            <ModelForm
              model={model}
              values={values}
              onChange={setValues}
              loras={loras}
              onLorasChange={setLoras}
              credits={credits.data}
              payWith={chosenPayer}
              onPayWithChange={setPayWith}
              fieldErrors={create.isError ? appErrorOf(create.error).fieldErrors : {}}
              submitError={create.error}
              busy={create.isPending}
              onSubmit={generate}
            />
          )}
        </div>
        <div className="studio-centre">
          <Preview id={selectedId} onStarted={select} onDeleted={() => select(null)} />
        </div>
        <div className="studio-right">
          <HistoryPanel ref={history} selectedId={selectedId} onSelect={select} />
        </div>
      </div>
    </div>
  );
}

function CreditsSummary({ credits }: { credits: Credits | undefined }) {
  if (!credits) return null;
  return (
    <section className="studio-credits" aria-label="Credits">
      <span>
        Your balance: <strong>{formatCredits(credits.personal.available)}</strong>
      </span>
      {credits.team && (
        <span>
          Team pool: <strong>{formatCredits(credits.team.available)}</strong>
        </span>
      )}
      <Link to="/billing">Buy credits</Link>
    </section>
  );
}
