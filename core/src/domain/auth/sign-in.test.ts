import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { waitUntil } from '../../../../test/support/wait';
import { CSRF_HEADER } from '../../wire/csrf-header';
import { transformer } from '../../wire/transformer';
import { createWebLogin } from './auth.service';

// Password sign-in over HTTP, as a browser or an attacker sends it. Core trusts X-Forwarded-For here
// (TRUST_PROXY), so each test can come from its own client address.

const t = useTestDatabase();
const core = useTestCore(t, { TRUST_PROXY: 'true' });

const PASSWORD = 'correct horse battery';

interface LoginAnswer {
  status: number;
  retryAfter: string | null;
  cookie: string | null;
  /** What the procedure returned, or its error. */
  data?: Record<string, unknown>;
  error?: { message: string; data: { appCode: string } };
}

/** A tRPC answer as a browser's fetch reads it (no batching, superjson on the wire). */
async function rawCall(res: Response): Promise<Pick<LoginAnswer, 'data' | 'error'>> {
  const body = (await res.json()) as { result?: { data: never }; error?: never };
  if (body.result) return { data: transformer.deserialize(body.result.data) };
  return { error: transformer.deserialize(body.error!) };
}

async function login(username: string, password: string, address: string): Promise<LoginAnswer> {
  const res = await fetch(`${core.app.url}/trpc/auth.login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [CSRF_HEADER]: '1',
      'x-forwarded-for': `203.0.113.77, ${address}`,
    },
    body: JSON.stringify(transformer.serialize({ username, password })),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    cookie: res.headers.get('set-cookie'),
    ...(await rawCall(res)),
  };
}

function statuses(answers: LoginAnswer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

describe('auth.login', () => {
  it('returns the session only in an HttpOnly cookie, and the cookie signs the browser in', async () => {
    const user = await createWebLogin(t.db, { username: 'cookie-admin', password: PASSWORD, role: 'admin' });
    const answer = await login('cookie-admin', PASSWORD, '198.51.100.1');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.data ?? {})).toEqual(['expiresAt']);
    expect(answer.cookie).toMatch(/^atelier_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);

    const session = answer.cookie!.split(';')[0]!;
    const res = await fetch(`${core.app.url}/trpc/auth.session`, { headers: { cookie: session } });
    const { data } = await rawCall(res);
    expect((data as { user: { id: string } }).user.id).toBe(user.id);
  });

  it('a flood of wrong passwords for one username is throttled, and then the right one is refused too', async () => {
    await createWebLogin(t.db, { username: 'flooded-admin', password: PASSWORD, role: 'admin' });
    const flood = await Promise.all(
      Array.from({ length: 60 }, (_, i) => login('flooded-admin', `wrong ${i}`, '198.51.100.2')),
    );
    // Every attempt is counted before any hashing, so exactly the allowance was checked at all.
    expect(statuses(flood)).toEqual({ 401: 10, 429: 50 });
    const throttled = flood.find((a) => a.status === 429)!;
    expect(throttled.error?.data.appCode).toBe('RATE_LIMITED');
    expect(Number(throttled.retryAfter)).toBeGreaterThan(0);

    // The attacker stops; the owner, from another network, has to wait out the window as well.
    const owner = await login('flooded-admin', PASSWORD, '192.0.2.10');
    expect(owner.status).toBe(429);
    expect(owner.cookie).toBeNull();
  }, 120_000); // 10 real hashes at two at a time; slow on a busy machine, never asserted on

  it('one client address trying many usernames is throttled, whatever the names', async () => {
    const answers = await Promise.all(
      Array.from({ length: 35 }, (_, i) => login(`nobody-${i}`, 'guess', '198.51.100.3')),
    );
    expect(statuses(answers)).toEqual({ 401: 30, 429: 5 });
    // Another address is not affected.
    expect((await login('nobody-0', 'guess', '198.51.100.4')).status).toBe(401);
  }, 120_000); // 31 real hashes at two at a time

  it('a flood from more addresses than the hashing queue holds is shed with 429, not queued without end', async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, n) => login(`shed-${n}`, 'guess', `10.200.${n >> 8}.${n & 255}`)),
    );
    const shed = answers.filter((a) => a.status === 429);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed.every((a) => a.error?.message === 'Too many sign-ins at once; try again in a moment')).toBe(
      true,
    );
    expect(shed.every((a) => a.retryAfter === '1')).toBe(true);
    expect(answers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
  }, 120_000);

  it('file downloads are served at once while 24 clients keep flooding sign-in with wrong passwords', async () => {
    const bytes = randomBytes(64 * 1024);
    await core.app.deps.storage.put('flood/file.bin', bytes, 'application/octet-stream');
    const url = await core.app.deps.storage.signedGetUrl('flood/file.bin', { expiresInSeconds: 300 });

    // Each attempt comes from a new address, so none is throttled: every one of them is hashed.
    const CLIENTS = 24;
    let attempt = 0;
    let finished = 0;
    const answers: LoginAnswer[] = [];
    let flooding = true;
    const clients = Array.from({ length: CLIENTS }, async () => {
      while (flooding) {
        const n = attempt++;
        answers.push(await login(`floodie-${n}`, 'guess', `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`));
        finished++;
      }
    });
    try {
      // Once the first sign-ins are answered, every client has a hash waiting (each sends right away).
      await waitUntil(() => finished >= 2, { label: 'the flood to be under way', timeoutMs: 60_000 });
      const finishedBefore = finished;
      for (let i = 0; i < 5; i++) {
        const res = await fetch(url);
        expect(res.status).toBe(200);
        expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
      }
      // Had the file reads queued behind the hashes on libuv's pool, each read would have waited for
      // every one of the 24 waiting sign-ins to be hashed first.
      expect(finished - finishedBefore).toBeLessThan(CLIENTS);
    } finally {
      flooding = false;
      await Promise.all(clients);
    }
    expect(answers.every((a) => a.status === 401)).toBe(true);
  }, 120_000); // the flood's own hashes take a while to drain on a busy machine
});
