import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { connectCore, coreFailure } from '../../../bots/kit/core-client';
import { useTestCore } from '../../../test/support/core';
import { useTestDatabase } from '../../../test/support/db';
import { createServiceToken } from '../domain/auth/auth.service';

// What an anonymous client can make core read and run in one request.

const t = useTestDatabase();
const core = useTestCore(t);

interface RawAnswer {
  status: number;
  body: string;
}

/**
 * Sends the head of a POST to /trpc announcing `announcedBytes`, then `sentBytes` of them, and waits
 * for the answer (without ever finishing the body when it is announced larger).
 */
function postPartly(path: string, announcedBytes: number | null, sentBytes: number): Promise<RawAnswer> {
  const { port } = new URL(core.app.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: Number(port),
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          // As the web app sends with every mutation (see wire/csrf-header.ts).
          'x-atelier-csrf': '1',
          ...(announcedBytes === null ? {} : { 'content-length': String(announcedBytes) }),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    // The server may hang up once it has answered; that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < sentBytes) {
        const size = Math.min(chunk.length, sentBytes - sent);
        sent += size;
        if (!req.write(chunk.subarray(0, size))) {
          req.once('drain', pump);
          return;
        }
      }
      if (announcedBytes === null) req.end();
    };
    pump();
  });
}

describe('request bodies', () => {
  it('a 50 MB tRPC body is refused with 413 before core reads it', async () => {
    // Only the first 64 KiB ever arrive: an answer proves core did not wait to buffer the rest.
    const answer = await postPartly('/trpc/gallery.report', 50 * 1024 * 1024, 64 * 1024);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatch(/limited to/);
  });

  it("a route mounted later (a bot's webhook) is protected the same way: its handler never runs", async () => {
    let reached = false;
    core.app.mount({
      prefix: '/webhooks/test-bot',
      name: 'test_bot_webhook',
      handle: async (_req, res) => {
        reached = true;
        res.writeHead(204).end();
        return true;
      },
    });
    const answer = await postPartly('/webhooks/test-bot', 50 * 1024 * 1024, 64 * 1024);
    expect(answer.status).toBe(413);
    expect(reached).toBe(false);
  });

  it('a chunked tRPC body (no length announced) is cut off at the limit with 413', async () => {
    const answer = await postPartly('/trpc/gallery.report', null, 3 * 1024 * 1024);
    expect(answer.status).toBe(413);
  });

  it('a batch of many gallery.feed calls is refused, not run', async () => {
    const calls = 100;
    const paths = Array.from({ length: calls }, () => 'gallery.feed').join(',');
    const input = Object.fromEntries(Array.from({ length: calls }, (_, i) => [i, {}]));
    const res = await fetch(
      `${core.app.url}/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`,
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/Batch call exceeds maximum size/);

    // A batch of the size the bots send still works.
    const small = Array.from({ length: 10 }, () => 'gallery.feed').join(',');
    const smallInput = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i, {}]));
    const ok = await fetch(
      `${core.app.url}/trpc/${small}?batch=1&input=${encodeURIComponent(JSON.stringify(smallInput))}`,
    );
    expect(ok.status).toBe(200);
    expect((await ok.json()) as unknown[]).toHaveLength(10);
  });
});

describe("the bots' client", () => {
  it('sends a 4,000-character CJK prompt by POST, so it is a field error and not a 431', async () => {
    const serviceToken = await createServiceToken(t.db, { name: 'limits-telegram', platform: 'telegram' });
    const client = connectCore({ coreUrl: core.app.url, serviceToken }).as({
      userId: 'cjk-writer',
      userName: 'Writer',
      space: null,
    });
    const error = await client.generations.quote
      .query({ model: 'flux', input: { prompt: '猫が月の上で寝ている'.repeat(400) } })
      .then(
        () => null,
        (e: unknown) => e,
      );
    const failure = coreFailure(error);
    expect(failure.appCode).toBe('INVALID_INPUT');
    expect(failure.fieldErrors.prompt?.[0]).toMatch(/2000/);

    // A prompt within the limit is quoted through the same POST path.
    const quote = await client.generations.quote.query({
      model: 'flux',
      input: { prompt: '猫'.repeat(1500) },
    });
    expect(quote.price).toBeGreaterThan(0);
  });
});
