import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../../../../test/fakes/fal/fal-fake';
import { createLogger } from '../../logger';
import { extractOutputs } from '../outputs';
import { type GenerationProvider, ProviderRejectedError, ProviderUnavailableError } from '../provider';
import { createFalProvider } from './fal.provider';

const FLUX = 'fal-ai/flux-1/schnell';
const CDN = 'https://v3.fal.media/files/test';
const MB = 1024 * 1024;

let fake: FalFake;
let provider: GenerationProvider;
let logLines: string[];
const errors: unknown[] = [];
const extraServers: Server[] = [];

function logger() {
  return createLogger('debug', {}, (line) => logLines.push(line) > 0);
}

/** Runs `fn`, expecting it to throw; keeps the error so the key check at the end sees every message. */
async function caught(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    errors.push(err);
    return err as Error;
  }
  throw new Error('expected a rejection');
}

async function localServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  extraServers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A provider whose FAL_API_ROOT is a local server answering with `handler` (a gateway in front of fal). */
async function gatewayProvider(
  handler: Parameters<typeof createServer>[1],
  extra: { downloadTimeoutMs?: number } = {},
): Promise<GenerationProvider> {
  const apiRoot = await localServer(handler);
  return createFalProvider({ key: DEFAULT_FAL_KEY, apiRoot, logger: logger(), ...extra });
}

beforeEach(async () => {
  fake = new FalFake();
  await fake.start();
  logLines = [];
  provider = createFalProvider({ key: DEFAULT_FAL_KEY, apiRoot: fake.url, logger: logger() });
});

afterEach(async () => {
  await fake.close();
  for (const server of extraServers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  // The FAL key never leaks into anything we produce: errors, reasons or logs.
  for (const err of errors.splice(0)) {
    expect(String((err as Error).message)).not.toContain(DEFAULT_FAL_KEY);
    expect(String((err as Error).message)).not.toContain('fake-key-secret');
  }
  expect(logLines.join('')).not.toContain('fake-key-secret');
});

describe('fal provider against the fal fake', () => {
  it('submits, reports queue position, progress and completion, then returns and downloads the result', async () => {
    const png = Buffer.concat([TINY_PNG, Buffer.from('distinct bytes')]);
    fake.setBehavior(FLUX, {
      queuePolls: 2,
      progressPolls: 2,
      output: imageOutput(png, { width: 1024, height: 768 }),
    });

    const { requestId } = await provider.submit({ endpoint: FLUX, input: { prompt: 'a red fox' } });
    expect(fake.request(requestId)).toMatchObject({ appId: FLUX, input: { prompt: 'a red fox' } });
    expect(fake.request(requestId).headers.authorization).toBe(`Key ${DEFAULT_FAL_KEY}`);

    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await provider.status(FLUX, requestId));
    expect(statuses).toEqual([
      { state: 'queued', queuePosition: 1, logs: [] },
      { state: 'queued', queuePosition: 0, logs: [] },
      { state: 'running', progress: 33, logs: ['progress 33%'] },
      { state: 'running', progress: 67, logs: ['progress 33%', 'progress 67%'] },
      { state: 'completed', logs: ['progress 33%', 'progress 67%'] },
    ]);

    const result = await provider.result(FLUX, requestId);
    expect(result).toMatchObject({ ok: true, output: { prompt: 'a red fox', has_nsfw_concepts: [false] } });
    if (!result.ok) throw new Error('unreachable');
    const { files, text } = extractOutputs(result.output, 'images[].url');
    expect(text).toBeNull();
    expect(files).toEqual([
      {
        url: expect.stringMatching(/^https:\/\/v3\.fal\.media\/files\//),
        contentType: 'image/png',
        width: 1024,
        height: 768,
      },
    ]);

    const downloaded = await provider.downloadOutput(files[0]!.url, MB);
    expect(downloaded.bytes.equals(png)).toBe(true);
    expect(downloaded.contentType).toBe('image/png');
  });

  it('passes the webhook URL given at submit to fal', async () => {
    fake.setBehavior(FLUX, { webhook: false });
    const webhookUrl = 'https://atelier.example/webhooks/fal?job=42';
    const { requestId } = await provider.submit({ endpoint: FLUX, input: { prompt: 'x' }, webhookUrl });
    expect(fake.request(requestId).webhookUrl).toBe(webhookUrl);

    const { requestId: without } = await provider.submit({ endpoint: FLUX, input: { prompt: 'y' } });
    expect(fake.request(without).webhookUrl).toBeUndefined();
  });

  it('uploads input bytes to fal storage under their file name and the fake serves them back', async () => {
    const bytes = Buffer.concat([TINY_PNG, Buffer.from('upload')]);
    const url = await provider.uploadInput(bytes, 'image/png', 'reference.png');
    expect(url).toMatch(/^https:\/\/v3\.fal\.media\/files\/.+\/reference\.png$/);
    expect(fake.uploads).toHaveLength(1);
    expect(fake.uploads[0]).toMatchObject({ url, fileName: 'reference.png', contentType: 'image/png' });

    const back = await provider.downloadOutput(url, MB);
    expect(back.bytes.equals(bytes)).toBe(true);
  });

  it('turns a 422 from the model into a readable, final failure', async () => {
    const endpoint = 'fal-ai/flux/dev';
    fake.setBehavior(endpoint, {
      queuePolls: 0,
      progressPolls: 0,
      error: {
        status: 422,
        detail: [
          {
            loc: ['body', 'image_size'],
            msg: "value is not a valid enumeration member; permitted: 'square_hd', 'square'",
            type: 'type_error.enum',
          },
          {
            loc: ['body', 'num_images'],
            msg: 'ensure this value is less than or equal to 4',
            type: 'value_error',
          },
        ],
      },
    });
    const { requestId } = await provider.submit({ endpoint, input: { prompt: 'x', image_size: 'huge' } });
    expect(await provider.status(endpoint, requestId)).toEqual({ state: 'completed', logs: [] });
    expect(await provider.result(endpoint, requestId)).toEqual({
      ok: false,
      retryable: false,
      reason:
        "The model rejected the input: image_size: value is not a valid enumeration member; permitted: 'square_hd', 'square'; num_images: ensure this value is less than or equal to 4",
    });
  });

  it('fails a request fal errors out with a 500 as retryable (throws ProviderUnavailableError)', async () => {
    fake.setBehavior(FLUX, { queuePolls: 0, manual: true });
    const { requestId } = await provider.submit({ endpoint: FLUX, input: { prompt: 'x' } });
    await fake.fail(requestId, 500, 'GPU fell over');
    const err = await caught(() => provider.result(FLUX, requestId));
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(err.message).toBe('fal is unavailable (HTTP 500): GPU fell over');
  });

  it('maps a submit that keeps failing with 503 to ProviderUnavailableError after the client retries', async () => {
    // The client retries a 503 three times (~1 s, 2 s, 4 s backoff); four failures exhaust it.
    fake.setBehavior(FLUX, { submitFailures: 4 });
    const err = await caught(() => provider.submit({ endpoint: FLUX, input: { prompt: 'x' } }));
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(err).toMatchObject({ status: 503 });
    expect(err.message).toBe('fal is unavailable (HTTP 503): Service temporarily unavailable');
    expect(fake.calls.submit).toBe(4);
    expect(fake.requests).toHaveLength(0);
  }, 20_000);

  it('maps a 500 on submit (not retried by the client) to ProviderUnavailableError at once', async () => {
    fake.setBehavior(FLUX, { submitFailures: 1, submitFailureStatus: 500 });
    const err = await caught(() => provider.submit({ endpoint: FLUX, input: { prompt: 'x' } }));
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(fake.calls.submit).toBe(1);
  });

  it('maps a refused key to ProviderRejectedError without revealing the key', async () => {
    const secret = 'wrong-key-id:wrong-key-secret-value';
    const wrong = createFalProvider({ key: secret, apiRoot: fake.url, logger: logger() });
    const err = await caught(() => wrong.submit({ endpoint: FLUX, input: { prompt: 'x' } }));
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err).toMatchObject({ status: 401 });
    expect(err.message).toContain('FAL_KEY');
    expect(err.message).not.toContain('wrong-key-secret-value');
    expect(logLines.join('')).not.toContain('wrong-key-secret-value');
  });

  it('redacts the key even when fal echoes it back in an error', async () => {
    fake.setBehavior(FLUX, {
      queuePolls: 0,
      progressPolls: 0,
      error: { status: 400, detail: `Key ${DEFAULT_FAL_KEY} may not use this model` },
    });
    const { requestId } = await provider.submit({ endpoint: FLUX, input: { prompt: 'x' } });
    await provider.status(FLUX, requestId);
    const result = await provider.result(FLUX, requestId);
    expect(result).toEqual({
      ok: false,
      retryable: false,
      reason: 'The model rejected the request: Key [redacted] may not use this model',
    });
  });

  it('reports an unknown request as failed and cancels a running one', async () => {
    expect(await provider.status(FLUX, 'no-such-request')).toEqual({
      state: 'failed',
      retryable: false,
      reason: 'fal does not know this model or request: Request no-such-request not found',
    });

    fake.setBehavior(FLUX, { queuePolls: 0, manual: true });
    const { requestId } = await provider.submit({ endpoint: FLUX, input: { prompt: 'x' } });
    await provider.cancel(FLUX, requestId);
    expect(fake.request(requestId).cancelled).toBe(true);
    // Cancelling again (already completed) is not an error.
    await provider.cancel(FLUX, requestId);
    expect(fake.calls.cancel).toBe(2);
  });
});

describe('downloadOutput limits', () => {
  it('refuses a file whose Content-Length is over maxBytes', async () => {
    const url = fake.addFile('big.png', Buffer.alloc(10_000, 1), 'image/png');
    const err = await caught(() => provider.downloadOutput(url, 9_999));
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toMatch(/over the 9\.8 KB limit/);
    // At the limit exactly, it is fine.
    expect((await provider.downloadOutput(url, 10_000)).bytes).toHaveLength(10_000);
  });

  it('stops reading a streamed body without Content-Length once it passes maxBytes', async () => {
    let aborted = false;
    const gateway = await gatewayProvider((req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      const chunk = Buffer.alloc(64 * 1024, 7);
      const timer = setInterval(() => res.write(chunk), 1);
      req.socket.on('close', () => {
        aborted = true;
        clearInterval(timer);
      });
    });
    const err = await caught(() => gateway.downloadOutput(`${CDN}/endless.mp4`, 256 * 1024));
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toMatch(/over the 256 KB limit/);
    await expect.poll(() => aborted).toBe(true);
  });

  it('times out a download that stalls as ProviderUnavailableError', async () => {
    const slow = await gatewayProvider(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(TINY_PNG.subarray(0, 10)); // ... and never finishes
      },
      { downloadTimeoutMs: 200 },
    );
    const err = await caught(() => slow.downloadOutput(`${CDN}/stall.png`, MB));
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(err.message).toMatch(/took longer than/);
  });

  it('maps a 5xx from the file host to ProviderUnavailableError and a 404 to ProviderRejectedError', async () => {
    const gateway = await gatewayProvider((req, res) => {
      res.writeHead(req.url?.endsWith('/gone') ? 404 : 503).end('nope');
    });
    expect(await caught(() => gateway.downloadOutput(`${CDN}/busy`, MB))).toBeInstanceOf(
      ProviderUnavailableError,
    );
    expect(await caught(() => gateway.downloadOutput(`${CDN}/gone`, MB))).toBeInstanceOf(
      ProviderRejectedError,
    );
  });

  it('maps an unreachable host to ProviderUnavailableError', async () => {
    const gateway = await gatewayProvider((_req, res) => res.end());
    const server = extraServers.pop()!;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const err = await caught(() => gateway.downloadOutput(`${CDN}/x.png`, MB));
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it("refuses anything but https URLs on fal's file hosts", async () => {
    const production = createFalProvider({ key: DEFAULT_FAL_KEY, logger: logger() });
    const err = await caught(() => production.downloadOutput('http://127.0.0.1:1/x.png', MB));
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toBe('Refusing to download a model output over http:');
    expect(await caught(() => production.downloadOutput('file:///etc/passwd', MB))).toBeInstanceOf(
      ProviderRejectedError,
    );
    expect(await caught(() => production.downloadOutput('not a url', MB))).toBeInstanceOf(
      ProviderRejectedError,
    );
    // With FAL_API_ROOT set too: only fal's hosts are fetched (through the root), never others.
    for (const url of ['http://127.0.0.1:1/x.png', 'https://127.0.0.1/x.png', 'https://example.com/x.png']) {
      expect(await caught(() => provider.downloadOutput(url, MB))).toBeInstanceOf(ProviderRejectedError);
    }
  });
});

describe('downloadOutput and internal addresses', () => {
  const publicDns = (address: string) => async () => [{ address, family: address.includes(':') ? 6 : 4 }];

  it('fetches from an operator allow-listed host only while it resolves to a public address', async () => {
    const inside = await localServer((_req, res) => res.end('internal secret'));
    const port = new URL(inside).port;
    for (const address of ['127.0.0.1', '10.0.0.5', '169.254.169.254', '::1']) {
      const allowListed = createFalProvider({
        key: DEFAULT_FAL_KEY,
        logger: logger(),
        extraOutputHosts: ['files.example-cdn.test'],
        lookup: publicDns(address),
      });
      const err = await caught(() =>
        allowListed.downloadOutput(`https://files.example-cdn.test:${port}/x.png`, MB),
      );
      expect(err).toBeInstanceOf(ProviderRejectedError);
      expect(err.message).toMatch(/private or local network address/);
    }
  });

  it('never follows a redirect from the file host, not even to another fal host', async () => {
    const gateway = await gatewayProvider((_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    });
    const err = await caught(() => gateway.downloadOutput(`${CDN}/moved.png`, MB));
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect(err.message).toMatch(/Refusing to follow a redirect \(HTTP 302\)/);
  });
});
