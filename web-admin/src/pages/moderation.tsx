import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, appErrorOf, type RouterInputs, type RouterOutputs } from '../lib/api';
import { CATEGORY_LABELS, formatDateTime, REPORT_REASON_LABELS } from '../lib/format';
import { usePageTitle } from '../lib/use-page-title';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { TextField } from '../ui/field';
import { Media } from '../ui/media';
import { Announce, Empty, ErrorNotice, Loading } from '../ui/status';

type QueueInput = RouterInputs['moderation']['queue'];
type QueueItem = RouterOutputs['moderation']['queue']['items'][number];
type Action = RouterInputs['moderation']['act']['action'];
type Category = NonNullable<QueueInput['category']>;

/** The queue's tabs (what needs a decision) and, after them, everything in one state. */
const VIEWS: { key: string; label: string; input: Pick<QueueInput, 'tab' | 'state'> }[] = [
  { key: 'pending', label: 'Pending review', input: { tab: 'pending' } },
  { key: 'reported', label: 'Reported', input: { tab: 'reported' } },
  { key: 'nsfw', label: 'Flagged NSFW', input: { tab: 'nsfw' } },
  { key: 'approved', label: 'Approved', input: { state: 'approved' } },
  { key: 'hidden', label: 'Hidden', input: { state: 'hidden' } },
  { key: 'removed', label: 'Removed', input: { state: 'removed' } },
];

const ACTIONS: { action: Action; label: string; key: string; verb: string; danger?: boolean }[] = [
  { action: 'approve', label: 'Approve', key: 'a', verb: 'approved' },
  { action: 'hide', label: 'Hide', key: 'h', verb: 'hidden' },
  { action: 'remove', label: 'Remove', key: 'r', verb: 'removed', danger: true },
];

const PAGE_SIZE = 24;

export function ModerationPage() {
  usePageTitle('Moderation');
  const [params, setParams] = useSearchParams();
  const view = VIEWS.find((v) => v.key === params.get('view')) ?? VIEWS[0]!;
  const rawCategory = params.get('category') ?? '';
  const category = rawCategory in CATEGORY_LABELS ? (rawCategory as Category) : undefined;
  const client = useQueryClient();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<{ action: Action; ids: string[] } | null>(null);
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState<{ message: string; tone: 'ok' | 'error' } | null>(null);
  const grid = useRef<HTMLUListElement>(null);

  const queue = useInfiniteQuery({
    queryKey: ['moderation.queue', view.key, category ?? 'all'],
    queryFn: ({ pageParam }) =>
      api.moderation.queue.query({
        ...view.input,
        limit: PAGE_SIZE,
        ...(category ? { category } : {}),
        ...(pageParam ? { cursor: pageParam } : {}),
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const items = useMemo(() => queue.data?.pages.flatMap((p) => p.items) ?? [], [queue.data]);

  const act = useMutation({
    mutationFn: (input: RouterInputs['moderation']['act']) => api.moderation.act.mutate(input),
    onSuccess: (result, input) => {
      const done = result.filter((r) => r.state !== 'not_found').length;
      const verb = ACTIONS.find((a) => a.action === input.action)!.verb;
      setOutcome({ message: `${done} ${done === 1 ? 'item' : 'items'} ${verb}.`, tone: 'ok' });
      setSelected(new Set());
      setPending(null);
      setReason('');
      void client.invalidateQueries({ queryKey: ['moderation.queue'] });
      void client.invalidateQueries({ queryKey: ['gallery.feed'] });
    },
  });

  const setFilter = (name: 'view' | 'category', value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
    setSelected(new Set());
  };
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const ask = (action: Action, ids: string[]) => {
    act.reset();
    setOutcome(null);
    setPending({ action, ids });
  };

  /** Shortcuts on a focused card: j/k move, x selects, a/h/r act on it (or on the selection). */
  const onCardKey = (event: KeyboardEvent<HTMLElement>, item: QueueItem, index: number) => {
    if (event.target !== event.currentTarget || event.altKey || event.ctrlKey || event.metaKey) return;
    const cards = grid.current?.querySelectorAll<HTMLElement>('[data-card]');
    const move = (to: number) => cards?.[Math.max(0, Math.min((cards?.length ?? 1) - 1, to))]?.focus();
    const key = event.key.toLowerCase();
    if (key === 'j' || event.key === 'ArrowRight' || event.key === 'ArrowDown') move(index + 1);
    else if (key === 'k' || event.key === 'ArrowLeft' || event.key === 'ArrowUp') move(index - 1);
    else if (key === 'x' || event.key === ' ') toggle(item.id);
    else {
      const action = ACTIONS.find((a) => a.key === key);
      if (!action) return;
      ask(action.action, selected.size > 0 ? [...selected] : [item.id]);
    }
    event.preventDefault();
  };

  const actionInfo = pending ? ACTIONS.find((a) => a.action === pending.action)! : null;
  const actError = act.error ? appErrorOf(act.error) : null;
  const allVisibleSelected = items.length > 0 && items.every((i) => selected.has(i.id));

  return (
    <div className="page">
      <h1>Moderation</h1>
      <div className="tabs" role="tablist" aria-label="Queue">
        {VIEWS.map((v) => (
          <button
            key={v.key}
            type="button"
            role="tab"
            aria-selected={view.key === v.key}
            className={view.key === v.key ? 'tab active' : 'tab'}
            onClick={() => setFilter('view', v.key === 'pending' ? '' : v.key)}
          >
            {v.label}
          </button>
        ))}
      </div>
      <section className="toolbar" aria-label="Filters and bulk actions">
        <label className="inline-field">
          Category{' '}
          <select value={category ?? ''} onChange={(e) => setFilter('category', e.target.value)}>
            <option value="">All</option>
            {Object.entries(CATEGORY_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <input
            type="checkbox"
            checked={allVisibleSelected}
            onChange={() => setSelected(allVisibleSelected ? new Set() : new Set(items.map((i) => i.id)))}
          />{' '}
          Select all shown
        </label>
        <span className="muted" aria-live="polite">
          {selected.size} selected
        </span>
        {ACTIONS.map((a) => (
          <button
            key={a.action}
            type="button"
            className={a.danger ? 'button danger' : 'button secondary'}
            disabled={selected.size === 0}
            onClick={() => ask(a.action, [...selected])}
          >
            {a.label} selected
          </button>
        ))}
      </section>
      <details className="shortcuts">
        <summary>Keyboard shortcuts</summary>
        <p>
          Focus a card (Tab), then: <kbd>j</kbd>/<kbd>k</kbd> or arrow keys move, <kbd>x</kbd> or{' '}
          <kbd>Space</kbd> selects, <kbd>a</kbd> approves, <kbd>h</kbd> hides, <kbd>r</kbd> removes (the
          selection when there is one). Every action asks for a reason first.
        </p>
      </details>
      <Announce message={outcome?.message ?? null} tone={outcome?.tone} />

      {queue.isPending ? (
        <Loading label="Loading the queue…" />
      ) : queue.isError ? (
        <ErrorNotice error={queue.error} />
      ) : items.length === 0 ? (
        <Empty>Nothing here. The queue is clear.</Empty>
      ) : (
        <ul className="grid" ref={grid} aria-label={`${view.label} items`}>
          {items.map((item, index) => (
            <li key={item.id}>
              <article
                className={selected.has(item.id) ? 'card mod-card selected' : 'card mod-card'}
                data-card
                // biome-ignore lint/a11y/noNoninteractiveTabindex: cards take the queue's keyboard shortcuts
                tabIndex={0}
                aria-label={`${item.prompt ?? item.modelName} by ${item.authorName}`}
                onKeyDown={(e) => onCardKey(e, item, index)}
              >
                <Media output={item.outputs[0]} label={item.prompt ?? item.modelName} compact />
                <div className="card-body">
                  <label className="select-box">
                    <input type="checkbox" checked={selected.has(item.id)} onChange={() => toggle(item.id)} />{' '}
                    Select
                  </label>
                  <p className="prompt">{item.prompt ?? <span className="muted">No prompt</span>}</p>
                  <dl className="facts">
                    <dt>Author</dt>
                    <dd>{item.authorName}</dd>
                    <dt>Model</dt>
                    <dd>
                      {item.modelName} · {CATEGORY_LABELS[item.category] ?? item.category}
                    </dd>
                    <dt>State</dt>
                    <dd>{item.gallery?.state ?? 'not published'}</dd>
                    <dt>Made</dt>
                    <dd>{formatDateTime(item.createdAt)}</dd>
                    {item.nsfw && (
                      <>
                        <dt>Flag</dt>
                        <dd>
                          <span className="badge badge-warn">NSFW</span>
                        </dd>
                      </>
                    )}
                  </dl>
                  {item.reportCount > 0 && (
                    <div className="reports">
                      <p>
                        <strong>
                          {item.reportCount} {item.reportCount === 1 ? 'report' : 'reports'}
                        </strong>
                      </p>
                      <ul>
                        {item.reasons.map((r) => (
                          <li key={r.category}>
                            {REPORT_REASON_LABELS[r.category] ?? r.category}
                            {r.count > 1 ? ` ×${r.count}` : ''}
                          </li>
                        ))}
                      </ul>
                      {item.latestReports
                        .filter((r) => r.details)
                        .map((r) => (
                          <p key={`${r.category}-${String(r.createdAt)}`} className="small">
                            “{r.details}”
                          </p>
                        ))}
                    </div>
                  )}
                  {item.moderation?.reason && (
                    <p className="muted small">Last decision: {item.moderation.reason}</p>
                  )}
                  <div className="actions">
                    {ACTIONS.filter((a) => STATE_AFTER[a.action] !== item.gallery?.state).map((a) => (
                      <button
                        key={a.action}
                        type="button"
                        className={a.danger ? 'button danger small' : 'button secondary small'}
                        onClick={() => ask(a.action, [item.id])}
                      >
                        {a.label}
                      </button>
                    ))}
                  </div>
                </div>
              </article>
            </li>
          ))}
        </ul>
      )}
      {queue.hasNextPage && (
        <button
          type="button"
          className="button secondary"
          onClick={() => queue.fetchNextPage()}
          disabled={queue.isFetchingNextPage}
        >
          {queue.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}

      <ConfirmDialog
        open={pending !== null}
        title={
          pending && actionInfo
            ? `${actionInfo.label} ${pending.ids.length} ${pending.ids.length === 1 ? 'item' : 'items'}?`
            : ''
        }
        confirmLabel={actionInfo?.label ?? 'Confirm'}
        danger={actionInfo?.danger}
        busy={act.isPending}
        onCancel={() => setPending(null)}
        onConfirm={() => pending && act.mutate({ ids: pending.ids, action: pending.action, reason })}
      >
        {actError && !actError.fieldErrors.reason && (
          <p className="field-error" role="alert">
            {actError.message}
          </p>
        )}
        <TextField
          label="Reason (recorded in the audit log)"
          required
          minLength={3}
          maxLength={500}
          autoFocus
          value={reason}
          onChange={(e) => {
            setReason(e.target.value);
            // The old refusal no longer describes what is typed.
            if (act.isError) act.reset();
          }}
          errors={actError?.fieldErrors.reason}
        />
      </ConfirmDialog>
    </div>
  );
}

const STATE_AFTER: Record<Action, string> = { approve: 'approved', hide: 'hidden', remove: 'removed' };
