import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useParams } from 'react-router';
import { api, appErrorOf, newIdempotencyKey, type RouterInputs, type RouterOutputs } from '../lib/api';
import { formatCredits, formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/use-page-title';
import { BarChart } from '../ui/charts';
import { TextField } from '../ui/field';
import { AdminOnly } from '../ui/layout';
import { Announce, Empty, ErrorNotice, Loading } from '../ui/status';

type AccountDetails = RouterOutputs['admin']['account'];
type EntryKind = NonNullable<RouterInputs['admin']['ledger']['kinds']>[number];

const ENTRY_KINDS: { value: EntryKind; label: string }[] = [
  { value: 'purchase', label: 'Purchases' },
  { value: 'refund', label: 'Refunds' },
  { value: 'grant', label: 'Grants' },
  { value: 'adjustment', label: 'Adjustments' },
  { value: 'starter', label: 'Starter credits' },
  { value: 'hold', label: 'Holds' },
  { value: 'capture', label: 'Captures' },
  { value: 'release', label: 'Releases' },
  { value: 'transfer_in', label: 'Transfers in' },
  { value: 'transfer_out', label: 'Transfers out' },
];

/** One credit account: balance, holds, owner and identities, team policy and spend, admin changes, ledger. */
export function AccountPage() {
  const { accountId = '' } = useParams();
  const account = useQuery({
    queryKey: ['admin.account', accountId],
    queryFn: () => api.admin.account.query({ accountId }),
  });
  const a = account.data;
  const title = !a
    ? 'Account'
    : a.owner.kind === 'personal'
      ? a.owner.user.displayName
      : `${a.owner.space.name} team pool`;
  usePageTitle(title);
  if (account.isPending) return <Loading />;
  if (account.isError) return <ErrorNotice error={account.error} />;
  const { balance } = a!;
  const pendingHolds = a!.holds.filter((h) => h.status === 'pending');
  return (
    <div className="page">
      <h1>{title}</h1>
      <p className="muted">
        {balance.kind === 'team' ? 'Team pool' : 'Personal account'} ·{' '}
        <code className="id">{balance.accountId}</code>
      </p>
      {a!.flag && (
        <div className="notice notice-error" role="status">
          <p>
            <strong>Flagged</strong> {formatDateTime(a!.flag.at)}: {a!.flag.reason}
          </p>
        </div>
      )}
      <section aria-labelledby="balance-h" className="stats">
        <h2 id="balance-h" className="visually-hidden">
          Balance
        </h2>
        <div className="stat">
          <span className="stat-label">Available</span>
          <span className="stat-value" data-testid="available">
            {formatCredits(balance.available)}
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Held by running jobs</span>
          <span className="stat-value">{formatCredits(balance.held)}</span>
          {pendingHolds.length > 0 && (
            <span className="muted small">
              {pendingHolds.length} open {pendingHolds.length === 1 ? 'hold' : 'holds'}
            </span>
          )}
        </div>
      </section>
      <OwnerSection account={a!} />
      <AdminOnly>
        <CreditChangeForm accountId={balance.accountId} />
      </AdminOnly>
      {a!.policy && <TeamPolicySection policy={a!.policy} />}
      {a!.memberSpend.length > 0 && (
        <section aria-labelledby="spend-h">
          <h2 id="spend-h">Spend per member this month</h2>
          <BarChart
            title="Credits spent from the pool this month, per member"
            bars={a!.memberSpend.map((m) => ({
              label: m.displayName,
              segments: [{ name: 'Spent', value: m.spent, color: 'var(--chart-1)' }],
            }))}
            unit=" credits"
          />
        </section>
      )}
      {a!.holds.length > 0 && (
        <section aria-labelledby="holds-h">
          <h2 id="holds-h">Holds</h2>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Status</th>
                  <th scope="col">For</th>
                </tr>
              </thead>
              <tbody>
                {a!.holds.map((h) => (
                  <tr key={h.id}>
                    <td>{formatDateTime(h.createdAt)}</td>
                    <td className="num">{h.amount}</td>
                    <td>
                      {h.status}
                      {h.releaseReason ? ` (${h.releaseReason})` : ''}
                    </td>
                    <td>
                      <code className="id">{h.reference}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <LedgerSection accountId={balance.accountId} />
    </div>
  );
}

function OwnerSection({ account }: { account: AccountDetails }) {
  const owner = account.owner;
  return (
    <section aria-labelledby="owner-h" className="card">
      <h2 id="owner-h">{owner.kind === 'personal' ? 'User and identities' : 'Space'}</h2>
      {owner.kind === 'personal' ? (
        <>
          <p>
            {owner.user.displayName} <span className="badge">{owner.user.role}</span>{' '}
            <code className="id">{owner.user.id}</code>
          </p>
          {owner.identities.length === 0 ? (
            <p className="muted">No linked chat identities.</p>
          ) : (
            <ul>
              {owner.identities.map((i) => (
                <li key={`${i.platform}:${i.platformUserId}`}>
                  <strong>{i.platform}</strong> {i.displayName} <code className="id">{i.platformUserId}</code>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <p>
          <strong>{owner.space.platform}</strong> {owner.space.name}{' '}
          <code className="id">{owner.space.platformSpaceId}</code> · {owner.memberCount}{' '}
          {owner.memberCount === 1 ? 'member' : 'members'}
        </p>
      )}
    </section>
  );
}

/** The ledger, newest first, filtered by entry kind and date range, paged by keyset. */
function LedgerSection({ accountId }: { accountId: string }) {
  const [kind, setKind] = useState<EntryKind | ''>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const ledger = useInfiniteQuery({
    queryKey: ['admin.ledger', accountId, kind, from, to],
    queryFn: ({ pageParam }) =>
      api.admin.ledger.query({
        accountId,
        limit: 50,
        ...(kind ? { kinds: [kind] } : {}),
        ...(from ? { from: new Date(`${from}T00:00:00`) } : {}),
        ...(to ? { to: new Date(`${to}T23:59:59.999`) } : {}),
        ...(pageParam ? { cursor: pageParam } : {}),
      }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const entries = ledger.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <section aria-labelledby="ledger-h">
      <h2 id="ledger-h">Ledger</h2>
      <div className="toolbar">
        <label className="inline-field">
          Kind{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value as EntryKind | '')}>
            <option value="">All entries</option>
            {ENTRY_KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          From <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="inline-field">
          To <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </div>
      {ledger.isPending ? (
        <Loading />
      ) : ledger.isError ? (
        <ErrorNotice error={ledger.error} />
      ) : entries.length === 0 ? (
        <Empty>No entries match.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Ledger entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">Amount</th>
                <th scope="col">Held</th>
                <th scope="col">Reason or reference</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td>{formatDateTime(e.createdAt)}</td>
                  <td>{e.kind}</td>
                  <td className={e.amount < 0 ? 'num negative' : 'num'}>
                    {e.amount > 0 ? '+' : ''}
                    {e.amount}
                  </td>
                  <td className="num">{e.heldDelta || ''}</td>
                  <td>{e.reason ?? e.externalRef ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {ledger.hasNextPage && (
        <button type="button" className="button secondary" onClick={() => ledger.fetchNextPage()}>
          {ledger.isFetchingNextPage ? 'Loading…' : 'Older entries'}
        </button>
      )}
    </section>
  );
}

/** Grant (add) or adjust (up or down) with a required reason; audited by core. Admins only. */
function CreditChangeForm({ accountId }: { accountId: string }) {
  const client = useQueryClient();
  const [kind, setKind] = useState<'grant' | 'adjust'>('grant');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [key, setKey] = useState(newIdempotencyKey);
  const [done, setDone] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: () => {
      const value = Number(amount);
      return kind === 'grant'
        ? api.admin.grant.mutate({ accountId, amount: value, reason, idempotencyKey: key })
        : api.admin.adjust.mutate({ accountId, delta: value, reason, idempotencyKey: key });
    },
    onSuccess: (result) => {
      setDone(`Done. The balance is now ${formatCredits(result.balance.available)}.`);
      setAmount('');
      setReason('');
      setKey(newIdempotencyKey());
      void client.invalidateQueries({ queryKey: ['admin.account', accountId] });
      void client.invalidateQueries({ queryKey: ['admin.ledger', accountId] });
    },
  });
  const error = change.error ? appErrorOf(change.error) : null;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    change.mutate();
  };
  return (
    <section aria-labelledby="change-h" className="card">
      <h2 id="change-h">Change credits</h2>
      <form onSubmit={onSubmit} className="form-grid" noValidate>
        <fieldset className="radio-row">
          <legend>Kind</legend>
          <label>
            <input type="radio" name="kind" checked={kind === 'grant'} onChange={() => setKind('grant')} />{' '}
            Grant (add)
          </label>
          <label>
            <input type="radio" name="kind" checked={kind === 'adjust'} onChange={() => setKind('adjust')} />{' '}
            Adjust (up or down)
          </label>
        </fieldset>
        <TextField
          label={kind === 'grant' ? 'Credits to add' : 'Change (negative to take away)'}
          type="number"
          inputMode="numeric"
          required
          min={kind === 'grant' ? 1 : undefined}
          step={1}
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          errors={error?.fieldErrors.amount ?? error?.fieldErrors.delta}
        />
        <TextField
          label="Reason (required, audited)"
          required
          minLength={3}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          errors={error?.fieldErrors.reason}
        />
        {error && Object.keys(error.fieldErrors).length === 0 && (
          <p className="field-error" role="alert">
            {error.message}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button" disabled={change.isPending}>
            {change.isPending ? 'Saving…' : kind === 'grant' ? 'Grant credits' : 'Adjust balance'}
          </button>
        </div>
      </form>
      <Announce message={done} />
    </section>
  );
}

function TeamPolicySection({ policy }: { policy: NonNullable<AccountDetails['policy']> }) {
  const client = useQueryClient();
  const [spenders, setSpenders] = useState(policy.spenders);
  const [cap, setCap] = useState(policy.memberMonthlyCap === null ? '' : String(policy.memberMonthlyCap));
  const [models, setModels] = useState((policy.allowedModels ?? []).join(', '));
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () =>
      api.admin.setTeamPolicy.mutate({
        accountId: policy.accountId,
        reason,
        spenders,
        memberMonthlyCap: cap.trim() === '' ? null : Number(cap),
        allowedModels:
          models.trim() === ''
            ? null
            : models
                .split(',')
                .map((m) => m.trim())
                .filter(Boolean),
      }),
    onSuccess: () => {
      setDone('Policy saved.');
      setReason('');
      void client.invalidateQueries({ queryKey: ['admin.account', policy.accountId] });
    },
  });
  const error = save.error ? appErrorOf(save.error) : null;
  return (
    <section aria-labelledby="policy-h" className="card">
      <h2 id="policy-h">Team pool policy</h2>
      <dl className="facts">
        <dt>Who may spend</dt>
        <dd>
          {policy.spenders === 'all_members'
            ? 'Every member'
            : `${policy.listedSpenders.length} listed members`}
        </dd>
        <dt>Monthly cap per member</dt>
        <dd>{policy.memberMonthlyCap === null ? 'No cap' : formatCredits(policy.memberMonthlyCap)}</dd>
        <dt>Allowed models</dt>
        <dd>{policy.allowedModels?.length ? policy.allowedModels.join(', ') : 'All models'}</dd>
      </dl>
      <AdminOnly>
        <form
          className="form-grid"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setDone(null);
            save.mutate();
          }}
        >
          <fieldset className="radio-row">
            <legend>Who may spend</legend>
            <label>
              <input
                type="radio"
                name="spenders"
                checked={spenders === 'all_members'}
                onChange={() => setSpenders('all_members')}
              />{' '}
              Every member
            </label>
            <label>
              <input
                type="radio"
                name="spenders"
                checked={spenders === 'listed_members'}
                onChange={() => setSpenders('listed_members')}
              />{' '}
              Listed members only
            </label>
          </fieldset>
          <TextField
            label="Monthly cap per member (empty: no cap)"
            type="number"
            min={0}
            value={cap}
            onChange={(e) => setCap(e.target.value)}
            errors={error?.fieldErrors.memberMonthlyCap}
          />
          <TextField
            label="Allowed models (comma-separated ids; empty: all)"
            value={models}
            onChange={(e) => setModels(e.target.value)}
            errors={error?.fieldErrors.allowedModels}
          />
          <TextField
            label="Reason (required, audited)"
            required
            minLength={3}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            errors={error?.fieldErrors.reason}
          />
          {error && Object.keys(error.fieldErrors).length === 0 && (
            <p className="field-error" role="alert">
              {error.message}
            </p>
          )}
          <div className="actions">
            <button type="submit" className="button" disabled={save.isPending}>
              Save policy
            </button>
          </div>
        </form>
        <Announce message={done} />
      </AdminOnly>
    </section>
  );
}
