import { useInfiniteQuery } from '@tanstack/react-query';
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { api } from '../lib/api';
import { CATEGORY_LABELS, formatDateTime } from '../lib/format';
import { ErrorNotice, Loading } from '../ui/status';
import { StatusBadge } from './status-badge';
import { type Category, type Generation, studioKeys } from './studio-api';

const PAGE_SIZE = 30;
const CATEGORIES: readonly Category[] = ['image', 'video', 'music', '3d', 'audio'];
const PLATFORM_LABELS: Record<string, string> = {
  telegram: 'Telegram',
  discord: 'Discord',
  slack: 'Slack',
  console: 'Console',
  web: 'Web',
};

export interface HistoryHandle {
  /** Moves the selection one item up (-1) or down (+1) in the loaded history. */
  move(step: -1 | 1): void;
}

interface HistoryPanelProps {
  selectedId: string | null;
  onSelect: (id: string) => void;
}

/**
 * The user's generations from every chat app and the web, newest first, loading the next keyset page
 * as the end of the list scrolls into view; filterable by category.
 */
export const HistoryPanel = forwardRef<HistoryHandle, HistoryPanelProps>(function HistoryPanel(
  { selectedId, onSelect },
  ref,
) {
  const [category, setCategory] = useState<Category | 'all'>('all');
  const history = useInfiniteQuery({
    queryKey: studioKeys.history(category),
    queryFn: ({ pageParam }) =>
      api.history.list.query({
        limit: PAGE_SIZE,
        ...(category !== 'all' ? { category } : {}),
        ...(pageParam ? { cursor: pageParam } : {}),
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const items: Generation[] = history.data?.pages.flatMap((p) => p.items) ?? [];
  const list = useRef<HTMLUListElement>(null);
  const sentinel = useRef<HTMLLIElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = history;

  useEffect(() => {
    const node = sentinel.current;
    if (!node || !hasNextPage) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
      },
      { root: list.current, rootMargin: '200px' },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  useImperativeHandle(
    ref,
    () => ({
      move(step) {
        if (items.length === 0) return;
        // The selection lives in the URL; read it there, so a key pressed before React re-rendered
        // after the previous one still moves from the latest selection.
        const current = new URLSearchParams(window.location.search).get('g') ?? selectedId;
        const at = items.findIndex((g) => g.id === current);
        const next = items[Math.min(Math.max(at === -1 ? 0 : at + step, 0), items.length - 1)];
        if (!next) return;
        onSelect(next.id);
        list.current
          ?.querySelector<HTMLElement>(`[data-id="${next.id}"]`)
          ?.scrollIntoView({ block: 'nearest' });
        if (next === items.at(-1) && hasNextPage) void fetchNextPage();
      },
    }),
    [items, selectedId, onSelect, hasNextPage, fetchNextPage],
  );

  return (
    <section className="studio-history" aria-labelledby="studio-history-title">
      <div className="studio-history-head">
        <h2 id="studio-history-title">History</h2>
        <label className="inline-field">
          <span>Show</span>
          <select value={category} onChange={(e) => setCategory(e.target.value as Category | 'all')}>
            <option value="all">Everything</option>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {CATEGORY_LABELS[c]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {history.isPending && <Loading label="Loading your history…" />}
      {history.isError && <ErrorNotice error={history.error} />}
      {history.isSuccess && items.length === 0 && <p className="empty">Nothing here yet.</p>}
      <ul className="studio-history-list" ref={list} aria-label="Your generations">
        {items.map((g) => (
          <li key={g.id} data-id={g.id}>
            <button
              type="button"
              className="studio-history-item"
              aria-current={g.id === selectedId ? 'true' : undefined}
              onClick={() => onSelect(g.id)}
            >
              <span className="studio-thumb" aria-hidden="true">
                {g.status === 'succeeded' && g.outputs[0]?.kind === 'image' && g.outputs[0].url ? (
                  <img src={g.outputs[0].url} alt="" loading="lazy" decoding="async" />
                ) : (
                  <span className="studio-thumb-empty">{CATEGORY_LABELS[g.category] ?? g.category}</span>
                )}
              </span>
              <span className="studio-history-text">
                <span className="studio-history-prompt">{g.prompt ?? g.modelName}</span>
                <span className="small muted">
                  {g.modelName} · {formatDateTime(g.createdAt)}
                </span>
                <span className="studio-history-badges">
                  <StatusBadge status={g.status} />
                  {g.originPlatform && (
                    <span className="badge">
                      from {PLATFORM_LABELS[g.originPlatform] ?? g.originPlatform}
                    </span>
                  )}
                </span>
              </span>
            </button>
          </li>
        ))}
        {hasNextPage && (
          <li ref={sentinel} className="studio-history-more">
            <button
              type="button"
              className="button secondary small"
              disabled={isFetchingNextPage}
              onClick={() => void fetchNextPage()}
            >
              {isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          </li>
        )}
      </ul>
    </section>
  );
});
