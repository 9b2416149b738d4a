import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useParams } from 'react-router';
import { api, appErrorOf, newIdempotencyKey, type RouterOutputs } from '../lib/api';
import { formatCredits, formatDateTime } from '../lib/format';
import { usePageTitle } from '../lib/use-page-title';
import { TextField } from '../ui/field';
import { AdminOnly } from '../ui/layout';
import { Announce, Empty, ErrorNotice, Loading } from '../ui/status';

type AccountPage = RouterOutputs['admin']['account'];

/** One credit account: balance, ledger (newest first, paged), team policy, and admin changes. */
export function AccountPage() {
  const { accountId = '' } = useParams();
  usePageTitle('Account');
  const account = useInfiniteQuery({
    queryKey: ['admin.account', accountId],
    queryFn: ({ pageParam }) =>
      api.admin.account.query({ accountId, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.ledger.nextCursor ?? null,
  });
  if (account.isPending) return <Loading />;
  if (account.isError) return <ErrorNotice error={account.error} />;
  const first = account.data.pages[0]!;
  const entries = account.data.pages.flatMap((p) => p.ledger.entries);
  const { balance } = first;
  return (
    <div className="page">
      <h1>{balance.kind === 'team' ? 'Team pool' : 'Personal account'}</h1>
      <p className="muted">
        Account <code className="id">{balance.accountId}</code>
      </p>
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
        </div>
      </section>
      <AdminOnly>
        <CreditChangeForm accountId={balance.accountId} />
      </AdminOnly>
      {first.policy && <TeamPolicySection policy={first.policy} />}
      <section aria-labelledby="ledger-h">
        <h2 id="ledger-h">Ledger</h2>
        {entries.length === 0 ? (
          <Empty>No entries yet.</Empty>
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
        {account.hasNextPage && (
          <button type="button" className="button secondary" onClick={() => account.fetchNextPage()}>
            {account.isFetchingNextPage ? 'Loading…' : 'Older entries'}
          </button>
        )}
      </section>
    </div>
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

function TeamPolicySection({ policy }: { policy: NonNullable<AccountPage['policy']> }) {
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
