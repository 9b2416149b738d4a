import { sql } from 'kysely';
import type { DbOrTx } from '../../db/database';

export interface ReconcileProblem {
  check: string;
  subject: string;
  detail: string;
}

interface Check {
  name: string;
  query: string;
}

// Each query returns the rows that break one invariant: (subject, detail). Empty result = holds.
const CHECKS: Check[] = [
  {
    name: 'balance equals ledger',
    query: `select a.id::text as subject,
                   format('available %s + held %s <> ledger sum %s', a.available, a.held, coalesce(sum(e.amount), 0)) as detail
              from credit_accounts a left join credit_entries e on e.account_id = a.id
             group by a.id having a.available + a.held <> coalesce(sum(e.amount), 0)`,
  },
  {
    name: 'held equals ledger held',
    query: `select a.id::text as subject, format('held %s <> ledger held %s', a.held, coalesce(sum(e.held_delta), 0)) as detail
              from credit_accounts a left join credit_entries e on e.account_id = a.id
             group by a.id having a.held <> coalesce(sum(e.held_delta), 0)`,
  },
  {
    name: 'held equals pending holds',
    query: `select a.id::text as subject, format('held %s <> pending holds %s', a.held, coalesce(sum(h.amount), 0)) as detail
              from credit_accounts a left join credit_holds h on h.account_id = a.id and h.status = 'pending'
             group by a.id having a.held <> coalesce(sum(h.amount), 0)`,
  },
  {
    name: 'never negative',
    query: `select id::text as subject, format('available %s, held %s', available, held) as detail
              from credit_accounts where available < 0 or held < 0`,
  },
  {
    name: 'hold resolved exactly once',
    query: `select h.id::text as subject,
                   format('status %s with %s hold, %s capture, %s release entries', h.status,
                          count(*) filter (where e.kind = 'hold'), count(*) filter (where e.kind = 'capture'),
                          count(*) filter (where e.kind = 'release')) as detail
              from credit_holds h left join credit_entries e on e.hold_id = h.id
             group by h.id
            having count(*) filter (where e.kind = 'hold') <> 1
                or count(*) filter (where e.kind = 'capture') <> (case when h.status = 'captured' then 1 else 0 end)
                or count(*) filter (where e.kind = 'release') <> (case when h.status = 'released' then 1 else 0 end)`,
  },
  {
    name: 'team usage matches holds',
    query: `select format('%s/%s/%s', u.account_id, u.user_id, u.month) as subject,
                   format('usage %s <> counted holds %s', u.spent, coalesce(sum(h.amount), 0)) as detail
              from team_member_usage u
              left join credit_holds h on h.account_id = u.account_id and h.user_id = u.user_id
                    and h.usage_month = u.month and h.status in ('pending', 'captured')
             group by u.account_id, u.user_id, u.month, u.spent
            having u.spent <> coalesce(sum(h.amount), 0)`,
  },
];

/** Checks every ledger invariant; returns the violations (empty when the books balance). */
export async function reconcileLedger(db: DbOrTx): Promise<ReconcileProblem[]> {
  const problems: ReconcileProblem[] = [];
  for (const check of CHECKS) {
    const { rows } = await sql.raw<{ subject: string; detail: string }>(check.query).execute(db);
    for (const row of rows) problems.push({ check: check.name, subject: row.subject, detail: row.detail });
  }
  return problems;
}
