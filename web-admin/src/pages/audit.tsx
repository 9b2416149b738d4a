import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../lib/api';
import { formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/use-page-title';
import { Empty, ErrorNotice, Loading } from '../ui/status';

const TARGET_TYPES = [
  { value: '', label: 'Anything' },
  { value: 'generation', label: 'Gallery items' },
  { value: 'credit_account', label: 'Credit accounts' },
  { value: 'model', label: 'Models' },
  { value: 'space', label: 'Spaces' },
];

/** Who did what to which object, when and why; newest first, filtered by target. */
export function AuditPage() {
  usePageTitle('Audit log');
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  const targetType = params.get('targetType') ?? '';
  const targetId = params.get('targetId') ?? '';
  const [draft, setDraft] = useState({ query, targetType, targetId });
  const log = useInfiniteQuery({
    queryKey: ['admin.audit', query, targetType, targetId],
    queryFn: ({ pageParam }) =>
      api.admin.audit.query({
        limit: 50,
        ...(query ? { query } : {}),
        ...(targetType ? { targetType } : {}),
        ...(targetId ? { targetId } : {}),
        ...(pageParam ? { cursor: pageParam } : {}),
      }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const events = log.data?.pages.flatMap((p) => p.events) ?? [];
  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (draft.query.trim()) next.set('q', draft.query.trim());
    if (draft.targetType) next.set('targetType', draft.targetType);
    if (draft.targetId.trim()) next.set('targetId', draft.targetId.trim());
    setParams(next);
  };
  return (
    <div className="page">
      <h1>Audit log</h1>
      <search aria-label="Search the audit log">
        <form className="toolbar" onSubmit={onSearch}>
          <label className="inline-field grow">
            Search{' '}
            <input
              type="search"
              value={draft.query}
              onChange={(e) => setDraft({ ...draft, query: e.target.value })}
              placeholder="Action, reason or who"
            />
          </label>
          <label className="inline-field">
            Target{' '}
            <select
              value={draft.targetType}
              onChange={(e) => setDraft({ ...draft, targetType: e.target.value })}
            >
              {TARGET_TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            Target id{' '}
            <input
              value={draft.targetId}
              onChange={(e) => setDraft({ ...draft, targetId: e.target.value })}
              placeholder="e.g. an item or account id"
            />
          </label>
          <button type="submit" className="button">
            Search
          </button>
        </form>
      </search>
      {log.isPending ? (
        <Loading />
      ) : log.isError ? (
        <ErrorNotice error={log.error} />
      ) : events.length === 0 ? (
        <Empty>No audit events match.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Target</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>{formatDateTime(e.createdAt)}</td>
                  <td>{e.actorName ?? (e.actorUserId ? 'unknown user' : 'system')}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    <span className="muted">{e.targetType}</span> <code className="id">{e.targetId}</code>
                  </td>
                  <td>{e.reason ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {log.hasNextPage && (
        <button type="button" className="button secondary" onClick={() => log.fetchNextPage()}>
          {log.isFetchingNextPage ? 'Loading…' : 'Older events'}
        </button>
      )}
    </div>
  );
}
