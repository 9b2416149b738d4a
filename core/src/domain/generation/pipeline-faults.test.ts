import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, TINY_PNG } from '../../../../test/fakes/fal/fal-fake';
import { useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { waitUntil } from '../../../../test/support/wait';
import { startWorker, type Worker } from '../../jobs/worker';
import { reconcileLedger } from '../credits/reconcile';

// Faults a provider result or a catalog change can cause: the generation ends once, with a reason,
// and the held credits come back. Runs over HTTP against a real core, a real worker and the fal fake.

const fal = new FalFake();
/** Stands for a service inside the network (an admin API, cloud metadata): it must never be fetched. */
const internalHits: string[] = [];
const internal = createServer((req, res) => {
  internalHits.push(req.url ?? '');
  res.writeHead(200, { 'content-type': 'image/png' }).end(TINY_PNG);
});
let internalUrl = '';

beforeAll(async () => {
  await fal.start();
  await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
  internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await fal.close();
  internal.closeAllConnections();
  await new Promise<void>((resolve) => internal.close(() => resolve()));
});

const t = useTestDatabase();
// No worker inside core: the tests start it once a row is prepared, like a worker process coming up.
const core = useTestCore(t, () => ({ FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url }), {
  worker: false,
  jobPollSeconds: 0.5,
});
let worker: Worker | undefined;
const ensureWorker = async () => {
  worker ??= await startWorker({ ...core.app.deps, pollSeconds: 0.5 }, { sweepEverySeconds: 3600 });
};
afterAll(() => worker?.stop());

const generation = (id: string) =>
  t.db.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function endedWith(id: string) {
  const g = await waitUntil(async () => {
    const row = await generation(id);
    return row.status === 'queued' || row.status === 'submitted' || row.status === 'processing' ? null : row;
  });
  const hold = await t.db
    .selectFrom('credit_holds')
    .select('status')
    .where('id', '=', g.hold_id!)
    .executeTakeFirstOrThrow();
  const deliveries = await t.db
    .selectFrom('deliveries')
    .select('outcome')
    .where('generation_id', '=', id)
    .execute();
  return { status: g.status, reason: g.failure_reason, hold: hold.status, deliveries };
}

/** The submit retries queued in pg-boss for a generation (a transient fault queues one). */
async function submitJobs(id: string) {
  const { rows } = await sql<{ state: string; retry_count: number }>`
    select state, retry_count from pgboss.job where name = 'generation-submit' and singleton_key = ${id}
  `.execute(t.db);
  return rows;
}

describe('a model that left the catalog while its work was queued', () => {
  it('fails once, releases the hold and tells the user, instead of being retried as transient', async () => {
    const bot = await core.bot('telegram', { userId: 'retired-rita' });
    const { generation: created } = await bot.generations.create.mutate({
      model: 'fal-ai/flux/dev',
      input: { prompt: 'before the catalog changed' },
    });
    // A deploy removed the model between acceptance and submit.
    await t.db
      .updateTable('generations')
      .set({ model_id: 'fal-ai/retired-model' })
      .where('id', '=', created.id)
      .execute();
    await ensureWorker();

    expect(await endedWith(created.id)).toEqual({
      status: 'failed',
      reason: expect.stringMatching(/fal-ai\/retired-model is no longer offered, so nothing was charged/),
      hold: 'released',
      deliveries: [{ outcome: 'failed' }],
    });
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
    // Failed for good, not handed to the job queue for a retry as a transient fault would be.
    expect(await submitJobs(created.id)).toEqual([]);
    expect(
      fal.requests.some((r) => (r.input as { prompt?: string }).prompt === 'before the catalog changed'),
    ).toBe(false);
  });
});

describe('model outputs that point inside our network', () => {
  it('an output URL naming a loopback service is refused: the generation fails and nothing is charged', async () => {
    await ensureWorker();
    fal.setBehavior('fal-ai/fast-sdxl', {
      immediate: true,
      webhook: false,
      output: () => ({ images: [{ url: `${internalUrl}/admin/export.png`, content_type: 'image/png' }] }),
    });
    const bot = await core.bot('discord', { userId: 'ssrf-sid' });
    const { generation: created } = await bot.generations.create.mutate({
      model: 'sdxl',
      input: { prompt: 'fetch the admin api' },
    });
    expect(await endedWith(created.id)).toEqual({
      status: 'failed',
      reason: expect.stringMatching(
        /We could not fetch the result: Refusing to download a model output over http:/,
      ),
      hold: 'released',
      deliveries: [{ outcome: 'failed' }],
    });
    expect(internalHits).toEqual([]);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
  });

  it('an https output URL on an internal address or a foreign host is refused the same way', async () => {
    await ensureWorker();
    const port = new URL(internalUrl).port;
    for (const url of [`https://127.0.0.1:${port}/x.png`, `https://169.254.169.254/latest/meta-data/`]) {
      fal.setBehavior('fal-ai/fast-sdxl', {
        immediate: true,
        webhook: false,
        output: () => ({ images: [{ url, content_type: 'image/png' }] }),
      });
      const bot = await core.bot('discord', { userId: `ssrf-${url.length}` });
      const { generation: created } = await bot.generations.create.mutate({
        model: 'sdxl',
        input: { prompt: `try ${url}` },
      });
      expect(await endedWith(created.id)).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/is not one of fal's file hosts/),
        hold: 'released',
      });
    }
    expect(internalHits).toEqual([]);
  });

  it("a redirect from fal's CDN to an internal address is not followed", async () => {
    await ensureWorker();
    fal.setBehavior('fal-ai/fast-sdxl', {
      immediate: true,
      webhook: false,
      output: (_input, ctx) => ({
        images: [
          { url: ctx.addRedirect('moved.png', `${internalUrl}/latest/meta-data`), content_type: 'image/png' },
        ],
      }),
    });
    const bot = await core.bot('discord', { userId: 'redirect-rey' });
    const { generation: created } = await bot.generations.create.mutate({
      model: 'sdxl',
      input: { prompt: 'follow me' },
    });
    expect(await endedWith(created.id)).toEqual({
      status: 'failed',
      reason: expect.stringMatching(/Refusing to follow a redirect \(HTTP 302\) from v3\.fal\.media/),
      hold: 'released',
      deliveries: [{ outcome: 'failed' }],
    });
    expect(internalHits).toEqual([]);
    expect((await bot.credits.balance.query()).personal).toMatchObject({ available: 50, held: 0 });
    expect(await reconcileLedger(t.db)).toEqual([]);
  });
});
