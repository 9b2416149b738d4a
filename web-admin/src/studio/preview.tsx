import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, appErrorOf, newIdempotencyKey } from '../lib/api';
import { formatCredits, formatDateTime } from '../lib/format';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { Media } from '../ui/media';
import { ErrorNotice, Loading } from '../ui/status';
import { StatusBadge } from './status-badge';
import { ACTIVE_STATUSES, type Generation, studioKeys, useGeneration } from './studio-api';

type FollowUpKind = keyof Generation['followUps'];
const FOLLOW_UP_LABELS: Record<FollowUpKind, string> = {
  animate: 'Animate',
  make3d: 'Make 3D',
  upscale: 'Upscale',
  vary: 'Vary',
};

interface PreviewProps {
  id: string | null;
  /** A new generation started from here (reroll, follow-up): show it. */
  onStarted: (id: string) => void;
  onDeleted: () => void;
}

/** The selected generation: its output with the right player, live progress while it runs, and its actions. */
export function Preview({ id, onStarted, onDeleted }: PreviewProps) {
  const generation = useGeneration(id);
  if (!id) {
    return (
      <div className="studio-preview-empty">
        <p>Choose a model, describe what you want and press Generate. Your result shows here.</p>
      </div>
    );
  }
  if (generation.isPending) return <Loading label="Loading the result…" />;
  if (generation.isError) return <ErrorNotice error={generation.error} />;
  return <GenerationPreview generation={generation.data} onStarted={onStarted} onDeleted={onDeleted} />;
}

function GenerationPreview({
  generation,
  onStarted,
  onDeleted,
}: {
  generation: Generation;
  onStarted: (id: string) => void;
  onDeleted: () => void;
}) {
  const client = useQueryClient();
  const [zoomed, setZoomed] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const running = ACTIVE_STATUSES.has(generation.status);
  const refresh = (view?: Generation) => {
    if (view) client.setQueryData(studioKeys.generation(view.id), view);
    void client.invalidateQueries({ queryKey: studioKeys.historyAll });
    void client.invalidateQueries({ queryKey: studioKeys.credits });
  };
  const action = useMutation({
    mutationFn: async (kind: 'cancel' | 'publish' | 'unpublish' | 'reroll' | FollowUpKind) => {
      const id = generation.id;
      switch (kind) {
        case 'cancel':
          return { view: await api.generations.cancel.mutate({ id }) };
        case 'publish':
          await api.gallery.publish.mutate({ id });
          return { view: await api.generations.get.query({ id }) };
        case 'unpublish':
          await api.gallery.unpublish.mutate({ id });
          return { view: await api.generations.get.query({ id }) };
        case 'reroll':
          return {
            started: (await api.generations.reroll.mutate({ id, requestKey: newIdempotencyKey() }))
              .generation,
          };
        default:
          return {
            started: (await api.generations.followUp.mutate({ id, kind, requestKey: newIdempotencyKey() }))
              .generation,
          };
      }
    },
    onSuccess: (result) => {
      if ('view' in result) refresh(result.view);
      if ('started' in result && result.started) {
        client.setQueryData(studioKeys.generation(result.started.id), result.started);
        refresh();
        onStarted(result.started.id);
      }
    },
  });
  const remove = useMutation({
    mutationFn: () => api.history.delete.mutate({ id: generation.id }),
    onSuccess: () => {
      setConfirmDelete(false);
      client.removeQueries({ queryKey: studioKeys.generation(generation.id) });
      refresh();
      onDeleted();
    },
  });
  const label = generation.prompt ?? generation.modelName;
  const first = generation.outputs[0];
  const published = generation.gallery !== null;
  const followUps = (Object.keys(FOLLOW_UP_LABELS) as FollowUpKind[]).filter((k) => generation.followUps[k]);

  return (
    <article className="studio-result" aria-labelledby="studio-result-title">
      <header className="studio-result-head">
        <h2 id="studio-result-title">{label}</h2>
        <p className="small muted">
          {generation.modelName} · {formatCredits(generation.price)} · {formatDateTime(generation.createdAt)}{' '}
          <StatusBadge status={generation.status} />
        </p>
      </header>
      {running && <ProgressPanel generation={generation} />}
      {generation.status === 'failed' && (
        <div className="notice notice-error" role="alert">
          <p>
            It failed: {generation.failureReason ?? 'the provider gave no reason'}. Your credits came back.
          </p>
        </div>
      )}
      {generation.status === 'cancelled' && (
        <p className="notice" role="status">
          Cancelled. Your credits came back.
        </p>
      )}
      {generation.status === 'succeeded' && (
        <div className="studio-outputs">
          {generation.outputs.map((output) =>
            output.kind === 'image' && output.url ? (
              <button
                key={output.position}
                type="button"
                className={zoomed ? 'studio-zoom zoomed' : 'studio-zoom'}
                aria-pressed={zoomed}
                aria-label={zoomed ? 'Zoom out' : 'Zoom in'}
                onClick={() => setZoomed((z) => !z)}
              >
                <img src={output.url} alt={label} />
              </button>
            ) : (
              <Media key={output.position} output={output} label={label} />
            ),
          )}
        </div>
      )}
      <div className="actions studio-actions">
        {running && (
          <button
            type="button"
            className="button danger"
            disabled={action.isPending}
            onClick={() => action.mutate('cancel')}
          >
            Cancel
          </button>
        )}
        {generation.status === 'succeeded' && first?.url && (
          <a className="button secondary" href={first.url} download>
            Download
          </a>
        )}
        {generation.status === 'succeeded' &&
          (published ? (
            <button
              type="button"
              className="button secondary"
              disabled={action.isPending}
              onClick={() => action.mutate('unpublish')}
            >
              Unpublish
            </button>
          ) : (
            <button
              type="button"
              className="button secondary"
              disabled={action.isPending}
              onClick={() => action.mutate('publish')}
            >
              Publish to gallery
            </button>
          ))}
        {!running && (
          <button
            type="button"
            className="button secondary"
            disabled={action.isPending}
            onClick={() => action.mutate('reroll')}
          >
            Reroll
          </button>
        )}
        {followUps.map((kind) => (
          <button
            key={kind}
            type="button"
            className="button secondary"
            disabled={action.isPending}
            onClick={() => action.mutate(kind)}
            title={generation.followUps[kind]?.modelName}
          >
            {FOLLOW_UP_LABELS[kind]}
          </button>
        ))}
        {!running && (
          <button type="button" className="button danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        )}
      </div>
      {published && (
        <p className="small">
          In the gallery ({generation.gallery?.state}): <a href={`/gallery/${generation.id}`}>view it</a>
        </p>
      )}
      {action.isError && <ErrorNotice error={action.error} />}
      <ConfirmDialog
        open={confirmDelete}
        title="Delete this result?"
        confirmLabel="Delete"
        danger
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
        onCancel={() => setConfirmDelete(false)}
      >
        <p>It leaves your history and the gallery, and its files are deleted. This cannot be undone.</p>
        {remove.isError && <p className="field-error">{appErrorOf(remove.error).message}</p>}
      </ConfirmDialog>
    </article>
  );
}

function ProgressPanel({ generation }: { generation: Generation }) {
  const percent = generation.progress === null ? null : Math.round(generation.progress);
  const words =
    generation.queuePosition !== null
      ? generation.queuePosition > 0
        ? `In the queue: position ${generation.queuePosition}`
        : 'In the queue: next up'
      : generation.status === 'processing'
        ? percent !== null
          ? `Working: ${percent}%`
          : 'Working…'
        : 'Starting…';
  return (
    <div className="studio-progress" role="status" aria-live="polite">
      <p>{words}</p>
      <progress aria-label="Progress" max={100} value={percent ?? undefined} />
      {generation.lastLog && <pre className="studio-log">{generation.lastLog}</pre>}
    </div>
  );
}
