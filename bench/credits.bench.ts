import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { ensureSpace, ensureTeamAccount, ensureUser } from '../core/src/domain/accounts/accounts.service';
import { AccountBatcher } from '../core/src/domain/credits/account-batcher';
import { addCredits, captureHold, getBalance, holdCredits } from '../core/src/domain/credits/credits.service';
import { reconcileLedger } from '../core/src/domain/credits/reconcile';
import { type BenchDatabase, fmt, percentile, runLoad } from './support';

const CLIENTS = 16;
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 6) * 1000;

/**
 * Hold + capture (two transactions, as a generation does) through the credits service, next to the
 * same SQL statements sent raw through postgres.js, in the same run and on the same database.
 */
export async function benchCredits(bench: BenchDatabase): Promise<void> {
  const app = bench.open(CLIENTS);
  const raw = postgres(bench.url, { max: CLIENTS, onnotice: () => {} });
  try {
    const user = await ensureUser(
      app.db,
      { platform: 'console', platformUserId: 'bench', displayName: 'bench' },
      0,
    );
    const makeTeams = async (n: number, credits: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const space = await ensureSpace(app.db, {
          platform: 'discord',
          platformSpaceId: randomUUID(),
          kind: 'guild',
          name: 'b',
        });
        const accountId = await ensureTeamAccount(app.db, space.id);
        await app.db
          .transaction()
          .execute((tx) =>
            addCredits(tx, { accountId, amount: credits, kind: 'grant', idempotencyKey: randomUUID() }),
          );
        ids.push(accountId);
      }
      return ids;
    };

    // One member per client, as in a busy team: the batcher runs different members side by side.
    const members = await Promise.all(
      Array.from({ length: CLIENTS }, (_, n) =>
        ensureUser(app.db, { platform: 'console', platformUserId: `bench-member-${n}`, displayName: 'm' }, 0),
      ),
    );
    const batcher = new AccountBatcher(app.db);
    /** Hold and capture through the account batcher, as accepting and finishing a generation do. */
    const viaBatcher = (accountId: string) => async (loop: number) => {
      const member = members[loop]!;
      try {
        const hold = await batcher.run(`account:${accountId}`, member.id, (tx) =>
          holdCredits(tx, {
            accountId,
            userId: member.id,
            amount: 1,
            reference: 'bench',
            idempotencyKey: randomUUID(),
          }),
        );
        await batcher.run(`account:${accountId}`, hold.id, (tx) => captureHold(tx, hold.id));
        return true;
      } catch {
        return false;
      }
    };

    const viaService = (accounts: string[]) => async (loop: number, i: number) => {
      const accountId = accounts[(loop * 7919 + i) % accounts.length]!;
      try {
        const hold = await app.db.transaction().execute((tx) =>
          holdCredits(tx, {
            accountId,
            userId: user.id,
            amount: 1,
            reference: 'bench',
            idempotencyKey: randomUUID(),
          }),
        );
        await app.db.transaction().execute((tx) => captureHold(tx, hold.id));
        return true;
      } catch {
        return false;
      }
    };

    // The statements the service sends, written by hand: account with policy, hold + entry, reserve;
    // then resolve + entry, settle.
    const viaRawSql = (accounts: string[]) => async (loop: number, i: number) => {
      const accountId = accounts[(loop * 7919 + i) % accounts.length]!;
      const held = await raw
        .begin(async (sql) => {
          await sql`select a.*, p.spenders, p.member_monthly_cap, p.allowed_models from credit_accounts a
            left join team_policies p on p.account_id = a.id where a.id = ${accountId}`;
          const [hold] = await sql`with h as (
              insert into credit_holds (account_id, user_id, amount, reference, idempotency_key, usage_month)
              values (${accountId}, ${user.id}, 1, 'bench', ${randomUUID()}, null)
              on conflict (idempotency_key) do nothing returning *),
            e as (insert into credit_entries (account_id, kind, amount, held_delta, hold_id, idempotency_key, actor_user_id)
              select account_id, 'hold', 0, amount, id, 'hold:' || id, user_id from h returning id)
            select * from h`;
          const reserved = await sql`update credit_accounts set available = available - 1, held = held + 1
            where id = ${accountId} and available >= 1 returning available, held`;
          if (reserved.length === 0) throw new Error('insufficient');
          return hold!;
        })
        .catch(() => null);
      if (!held) return false;
      await raw.begin(async (sql) => {
        const [h] = await sql`with h as (
            update credit_holds set status = 'captured', resolved_at = now(), release_reason = null
            where id = ${held.id} and status = 'pending' returning *),
          e as (insert into credit_entries (account_id, kind, amount, held_delta, hold_id, idempotency_key, actor_user_id, reason)
            select account_id, 'capture', -amount, -amount, id, 'capture:' || id, user_id, null from h returning id)
          select * from h`;
        await sql`update credit_accounts set held = held - ${h!.amount} where id = ${h!.account_id} returning available, held`;
      });
      return true;
    };

    // The yardstick for the hot account: trivial committed updates of one row, measured in this run.
    // A hold+capture commits twice on the same row, so one by one it reaches at most half of this.
    const [ceilingAccount] = await makeTeams(1, 1);
    const ceiling = await runLoad(CLIENTS, DURATION_MS, async () => {
      await raw.begin(
        (sql) => sql`update credit_accounts set available = available where id = ${ceilingAccount!}`,
      );
      return true;
    });
    const ceilingRate = ceiling.ok / ceiling.seconds;
    console.log(
      `credits: ceiling of committed updates to one row, ${CLIENTS} clients: ${fmt(ceilingRate)} tx/s`,
    );
    for (const [label, count] of [
      ['one hot team account', 1],
      ['1,000 distinct accounts', 1000],
    ] as const) {
      const budget = 10_000_000;
      const serviceAccounts = await makeTeams(count, budget);
      const rawAccounts = await makeTeams(count, budget);
      const s = await runLoad(CLIENTS, DURATION_MS, viaService(serviceAccounts));
      const r = await runLoad(CLIENTS, DURATION_MS, viaRawSql(rawAccounts));
      const sRate = s.ok / s.seconds;
      const rRate = r.ok / r.seconds;
      let spent = 0;
      for (const id of serviceAccounts) spent += budget - (await getBalance(app.db, id)).available;
      console.log(`credits: hold+capture on ${label}, ${CLIENTS} clients, ${DURATION_MS / 1000}s each`);
      console.log(
        `  service  ${fmt(sRate)} holds/s (${fmt(s.ok)} ok, ${s.refused} failed)   p50 ${fmt(percentile(s.latencies, 50), 1)} ms   p99 ${fmt(percentile(s.latencies, 99), 1)} ms`,
      );
      console.log(`  raw SQL  ${fmt(rRate)} holds/s (${fmt(r.ok)} ok, ${r.refused} failed)`);
      if (count === 1) {
        const [batchedAccount] = await makeTeams(1, budget);
        const b = await runLoad(CLIENTS, DURATION_MS, viaBatcher(batchedAccount!));
        const bRate = b.ok / b.seconds;
        const batchSpent = budget - (await getBalance(app.db, batchedAccount!)).available;
        console.log(
          `  batched  ${fmt(bRate)} holds/s (${fmt(b.ok)} ok, ${b.refused} failed)   p50 ${fmt(percentile(b.latencies, 50), 1)} ms   p99 ${fmt(percentile(b.latencies, 99), 1)} ms   ${fmt(bRate / ceilingRate, 2)} of the single-row ceiling (target >= 1.0, p99 < 20 ms)   overspend: ${batchSpent === b.ok ? 'none' : `MISMATCH spent ${batchSpent} vs ${b.ok}`}`,
        );
      }
      console.log(
        `  ratio    ${fmt(sRate / rRate, 2)} of raw SQL, ${fmt(sRate / ceilingRate, 2)} of the single-row ceiling   overspend: ${spent === s.ok ? 'none' : `MISMATCH spent ${spent} vs ${s.ok}`}`,
      );
    }
    const problems = await reconcileLedger(app.db);
    console.log(
      `  reconcile after the run: ${problems.length === 0 ? 'every invariant holds' : `${problems.length} problems`}`,
    );
  } finally {
    await raw.end();
    await app.close();
  }
}
