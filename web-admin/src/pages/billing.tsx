import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, type RouterOutputs } from '../lib/api';
import { formatCredits, formatMoney } from '../lib/format';
import { useSession } from '../lib/session';
import { usePageTitle } from '../lib/use-page-title';
import { PURCHASE_STATUS_LABELS, PurchaseTable } from '../ui/purchase-table';
import { Empty, ErrorNotice, Loading } from '../ui/status';

type Overview = RouterOutputs['billing']['overview'];
type Pack = Overview['packs'][number];

/** Shown to visitors without a session: billing is reached through the bot's /buy link. */
function SignInFirst() {
  return (
    <div className="card">
      <h2>Sign in to buy credits</h2>
      <p>
        Send <kbd>/buy</kbd> to the Atelier bot in Discord, Telegram or Slack and open the one-time link it
        sends you.
      </p>
    </div>
  );
}

/** The user's billing page: balances, packs to buy (personal or, for a team's admins, the pool), purchases. */
export function BillingPage() {
  usePageTitle('Credits');
  const session = useSession();
  const overview = useQuery({
    queryKey: ['billing.overview'],
    queryFn: () => api.billing.overview.query(),
    enabled: Boolean(session.data),
  });
  if (session.isPending) return <Loading />;
  if (!session.data) {
    return (
      <div className="page narrow">
        <h1>Credits</h1>
        <SignInFirst />
      </div>
    );
  }
  if (overview.isPending) return <Loading />;
  if (overview.isError) return <ErrorNotice error={overview.error} />;
  const o = overview.data;
  return (
    <div className="page">
      <h1>Credits</h1>
      <section className="stats" aria-label="Balances">
        <div className="stat">
          <span className="stat-label">Your balance</span>
          <span className="stat-value" data-testid="personal-balance">
            {formatCredits(o.personal.available)}
          </span>
          {o.personal.held > 0 && (
            <span className="muted small">{formatCredits(o.personal.held)} held by running jobs</span>
          )}
        </div>
        {o.team && (
          <div className="stat">
            <span className="stat-label">{o.team.spaceName} team pool</span>
            <span className="stat-value" data-testid="team-balance">
              {o.team.balance ? formatCredits(o.team.balance.available) : 'No pool yet'}
            </span>
          </div>
        )}
      </section>
      {!o.configured ? (
        <div className="notice notice-error" role="status">
          <p>
            <strong>Billing is not configured</strong> on this server, so credits cannot be bought here yet.
            Ask the people who run this Atelier.
          </p>
        </div>
      ) : (
        <>
          <PackList title="Buy credits for yourself" packs={o.packs} account="personal" />
          {o.team?.canBuy && (
            <PackList
              title={`Buy credits for the ${o.team.spaceName} team pool`}
              packs={o.packs}
              account="team"
            />
          )}
          {o.team && !o.team.canBuy && (
            <p className="muted">Only the admins of {o.team.spaceName} can buy credits for its team pool.</p>
          )}
        </>
      )}
      <PurchaseHistory />
    </div>
  );
}

function PackList({
  title,
  packs,
  account,
}: {
  title: string;
  packs: readonly Pack[];
  account: 'personal' | 'team';
}) {
  const checkout = useMutation({
    mutationFn: (packId: string) =>
      api.billing.checkout.mutate({ packId, account, requestKey: crypto.randomUUID() }),
    onSuccess: (result) => {
      window.location.assign(result.url);
    },
  });
  const headingId = `packs-${account}`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {checkout.isError && <ErrorNotice error={checkout.error} />}
      <ul className="packs">
        {packs.map((p) => (
          <li key={p.id} className="card pack">
            <h3>{p.name}</h3>
            <span className="stat-value">{formatCredits(p.credits)}</span>
            <p className="muted">{formatMoney(p.price, p.currency)}</p>
            <button
              type="button"
              className="button wide"
              aria-label={`Buy ${p.name} (${formatCredits(p.credits)}, ${formatMoney(p.price, p.currency)})${account === 'team' ? ' for the team pool' : ''}`}
              disabled={checkout.isPending}
              onClick={() => checkout.mutate(p.id)}
            >
              {checkout.isPending && checkout.variables === p.id ? 'Opening checkout…' : 'Buy'}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function PurchaseHistory() {
  const purchases = useInfiniteQuery({
    queryKey: ['billing.purchases'],
    queryFn: ({ pageParam }) =>
      api.billing.purchases.query({ limit: 20, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const items = purchases.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="purchases-h">
      <h2 id="purchases-h">Your purchases</h2>
      {purchases.isPending ? (
        <Loading />
      ) : purchases.isError ? (
        <ErrorNotice error={purchases.error} />
      ) : items.length === 0 ? (
        <Empty>No purchases yet.</Empty>
      ) : (
        <PurchaseTable items={items} />
      )}
      {purchases.hasNextPage && (
        <button type="button" className="button secondary" onClick={() => purchases.fetchNextPage()}>
          Older purchases
        </button>
      )}
    </section>
  );
}

/** Where Stripe returns after payment: waits for the webhook to credit the purchase, then says so. */
export function BillingSuccessPage() {
  usePageTitle('Payment received');
  const [params] = useSearchParams();
  const sessionId = params.get('session_id') ?? '';
  const purchase = useQuery({
    queryKey: ['billing.purchase', sessionId],
    queryFn: () => api.billing.purchase.query({ sessionId }),
    enabled: sessionId.length > 0,
    // Stripe's webhook usually lands within seconds of the redirect; ask until it has.
    refetchInterval: (query) => (query.state.data?.status === 'open' ? 1500 : false),
  });
  const p = purchase.data;
  return (
    <div className="page narrow">
      <h1>{p?.status === 'paid' ? 'Thank you!' : 'Payment received'}</h1>
      {!sessionId ? (
        <p>
          This page shows a purchase after checkout. <Link to="/billing">Go to your credits</Link>.
        </p>
      ) : purchase.isError ? (
        <ErrorNotice error={purchase.error} />
      ) : !p || p.status === 'open' ? (
        <p role="status">Confirming your payment with Stripe…</p>
      ) : (
        <div className="card" role="status">
          <p>
            {p.status === 'paid'
              ? `${formatCredits(p.credits)} were added to ${p.account.kind === 'team' ? `the ${p.account.spaceName ?? 'team'} pool` : 'your balance'}.`
              : `This purchase is ${PURCHASE_STATUS_LABELS[p.status].toLowerCase()}.`}
          </p>
          {p.receiptUrl && (
            <p>
              <a href={p.receiptUrl} target="_blank" rel="noreferrer">
                View your receipt (opens in a new tab)
              </a>
            </p>
          )}
        </div>
      )}
      <p>
        <Link to="/billing">Back to your credits</Link>
      </p>
    </div>
  );
}

export function BillingCancelPage() {
  usePageTitle('Checkout cancelled');
  return (
    <div className="page narrow">
      <h1>Checkout cancelled</h1>
      <p>Nothing was charged. You can pick a pack again whenever you like.</p>
      <p>
        <Link to="/billing">Back to your credits</Link>
      </p>
    </div>
  );
}
