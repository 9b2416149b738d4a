import { useInfiniteQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api, type RouterOutputs } from '../lib/api';
import { usePageTitle } from '../lib/use-page-title';
import { PurchaseTable } from '../ui/purchase-table';
import { Empty, ErrorNotice, Loading } from '../ui/status';

type Status = RouterOutputs['admin']['purchases']['items'][number]['status'];
const STATUSES: { value: Status | ''; label: string }[] = [
  { value: '', label: 'All' },
  { value: 'paid', label: 'Paid' },
  { value: 'open', label: 'Waiting for payment' },
  { value: 'expired', label: 'Not completed' },
  { value: 'refunded', label: 'Refunded' },
];

/** Every purchase (admins): who bought which pack for which account, its status and Stripe's receipt. */
export function PurchasesPage() {
  usePageTitle('Purchases');
  const [params, setParams] = useSearchParams();
  const status = STATUSES.find((s) => s.value === params.get('status'))?.value ?? '';
  const purchases = useInfiniteQuery({
    queryKey: ['admin.purchases', status],
    queryFn: ({ pageParam }) =>
      api.admin.purchases.query({
        limit: 50,
        ...(status ? { status } : {}),
        ...(pageParam ? { cursor: pageParam } : {}),
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? null,
  });
  const items = purchases.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page">
      <h1>Purchases</h1>
      <div className="toolbar">
        <label className="inline-field">
          Status{' '}
          <select
            value={status}
            onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}
          >
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {purchases.isPending ? (
        <Loading />
      ) : purchases.isError ? (
        <ErrorNotice error={purchases.error} />
      ) : items.length === 0 ? (
        <Empty>No purchases match.</Empty>
      ) : (
        <PurchaseTable items={items} showBuyer />
      )}
      {purchases.hasNextPage && (
        <button type="button" className="button secondary" onClick={() => purchases.fetchNextPage()}>
          Older purchases
        </button>
      )}
    </div>
  );
}
