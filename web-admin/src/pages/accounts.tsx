import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../lib/api';
import { formatCredits } from '../lib/format';
import { usePageTitle } from '../lib/use-page-title';
import { Empty, ErrorNotice, Loading } from '../ui/status';

/** Finds personal and team accounts by user or space name, platform user id, or id. */
export function AccountsPage() {
  usePageTitle('Accounts');
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  const [draft, setDraft] = useState(query);
  const results = useQuery({
    queryKey: ['admin.searchAccounts', query],
    queryFn: () => api.admin.searchAccounts.query({ query, limit: 50 }),
    enabled: query.length > 0,
  });
  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    setParams(draft.trim() ? { q: draft.trim() } : {});
  };
  return (
    <div className="page">
      <h1>Accounts</h1>
      <search aria-label="Search accounts">
        <form className="toolbar" onSubmit={onSearch}>
          <label className="inline-field grow">
            Search{' '}
            <input
              type="search"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              placeholder="User, identity or space name; platform id; account id"
            />
          </label>
          <button type="submit" className="button">
            Search
          </button>
        </form>
      </search>
      {!query ? (
        <p className="muted">
          Search for a user (by name or their Discord, Telegram or Slack id) or a space.
        </p>
      ) : results.isPending ? (
        <Loading />
      ) : results.isError ? (
        <ErrorNotice error={results.error} />
      ) : results.data.length === 0 ? (
        <Empty>No accounts match “{query}”.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Accounts matching {query}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Available</th>
                <th scope="col">Held</th>
              </tr>
            </thead>
            <tbody>
              {results.data.map((a) => (
                <tr key={a.accountId}>
                  <td>
                    <Link to={`/admin/accounts/${a.accountId}`}>{a.name || a.accountId}</Link>
                    {a.flagged && <span className="badge badge-warn"> flagged</span>}
                    <br />
                    <span className="muted small">
                      {a.space
                        ? `${a.space.platform} space ${a.space.platformSpaceId}`
                        : a.identities
                            .map((i) => `${i.platform} ${i.displayName} (${i.platformUserId})`)
                            .join(' · ')}
                    </span>
                  </td>
                  <td>{a.kind === 'team' ? 'Team pool' : 'Personal'}</td>
                  <td>{formatCredits(a.available)}</td>
                  <td>{formatCredits(a.held)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
