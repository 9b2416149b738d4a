import type { RouterOutputs } from '../lib/api';
import { formatCredits, formatDateTime, formatMoney } from '../lib/format';

type Purchase = RouterOutputs['billing']['purchases']['items'][number];

export const PURCHASE_STATUS_LABELS: Record<Purchase['status'], string> = {
  open: 'Waiting for payment',
  paid: 'Paid',
  expired: 'Not completed',
  refunded: 'Refunded',
};

/** A list of purchases; `showBuyer` for the staff view of everyone's. */
export function PurchaseTable({
  items,
  showBuyer = false,
}: {
  items: readonly Purchase[];
  showBuyer?: boolean;
}) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Pack</th>
            {showBuyer && <th scope="col">Buyer</th>}
            <th scope="col">For</th>
            <th scope="col">Amount</th>
            <th scope="col">Status</th>
            <th scope="col">Receipt</th>
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={p.id}>
              <td>{formatDateTime(p.paidAt ?? p.createdAt)}</td>
              <td>
                {p.packName} ({formatCredits(p.credits)})
              </td>
              {showBuyer && <td>{p.buyer.name}</td>}
              <td>{p.account.kind === 'team' ? `${p.account.spaceName ?? 'Team'} pool` : 'Personal'}</td>
              <td>{formatMoney(p.amount, p.currency)}</td>
              <td>
                {PURCHASE_STATUS_LABELS[p.status]}
                {p.creditsUnrecovered > 0 && (
                  <span className="badge badge-warn">
                    {' '}
                    {formatCredits(p.creditsUnrecovered)} not recovered
                  </span>
                )}
              </td>
              <td>
                {p.receiptUrl ? (
                  <a href={p.receiptUrl} target="_blank" rel="noreferrer">
                    Receipt<span className="visually-hidden"> for {p.packName} (opens in a new tab)</span>
                  </a>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
