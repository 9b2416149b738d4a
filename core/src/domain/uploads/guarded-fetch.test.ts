import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FetchRefusedError,
  type GuardedFetchOptions,
  guardedFetch,
  isPublicAddress,
  type LookupFn,
} from './guarded-fetch';

const FILE = Buffer.from('pretend this is an attachment\n'.repeat(10));

let server: Server;
let port: number;
let connections = 0;
let requests: Array<{ url: string; host: string | undefined }> = [];
/** The connection each request of the current test came on, numbered in order of first use. */
let requestSockets: number[] = [];
const socketNumbers = new WeakMap<object, number>();
let nextSocket = 0;
let chunkedFinished = false;

function handle(req: IncomingMessage, res: ServerResponse): void {
  requests.push({ url: req.url ?? '', host: req.headers.host });
  if (!socketNumbers.has(req.socket)) socketNumbers.set(req.socket, nextSocket++);
  requestSockets.push(socketNumbers.get(req.socket)!);
  switch ((req.url ?? '').split('?')[0]) {
    case '/file.txt':
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': FILE.length });
      res.end(FILE);
      return;
    case '/redirect-private':
      res.writeHead(302, { location: `http://127.0.0.1:${port}/file.txt` });
      res.end();
      return;
    case '/redirect-allowed':
      res.writeHead(302, { location: `http://cdn.example.test:${port}/file.txt` });
      res.end();
      return;
    case '/big-declared':
      res.writeHead(200, { 'content-length': 5000 });
      res.end(Buffer.alloc(5000, 1));
      return;
    case '/big-chunked': {
      // No Content-Length: 200 chunks of 1 KiB, slowly, so the client must stop us mid-stream.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      const tick = (): void => {
        if (res.destroyed) return;
        if (sent === 200) {
          chunkedFinished = true;
          res.end();
          return;
        }
        sent++;
        res.write(Buffer.alloc(1024, 2));
        setTimeout(tick, 2);
      };
      tick();
      return;
    }
    case '/hang':
      return; // never answers
    case '/drip':
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(10)); // headers arrive, the body never completes
      return;
    default:
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
  }
}

beforeAll(async () => {
  server = createServer(handle);
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  connections = 0;
  requests = [];
  requestSockets = [];
  chunkedFinished = false;
});

const fakeDns =
  (table: Record<string, string[]>, calls?: string[]): LookupFn =>
  async (hostname) => {
    calls?.push(hostname);
    const addresses = table[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

/** Options for fetching from the local fake CDN (the only case where private addresses are allowed). */
const localOpts = (overrides: Partial<GuardedFetchOptions> = {}): GuardedFetchOptions => ({
  allowedHosts: ['cdn.example.test', '*.media.example.test'],
  maxBytes: 1024 * 1024,
  timeoutMs: 2000,
  allowPrivateAddresses: true,
  lookup: fakeDns({ 'cdn.example.test': ['127.0.0.1'], 'eu.media.example.test': ['127.0.0.1'] }),
  ...overrides,
});

async function refusal(promise: Promise<unknown>): Promise<FetchRefusedError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(FetchRefusedError);
    return err as FetchRefusedError;
  }
  throw new Error('expected the fetch to be refused');
}

describe('guardedFetch: allowed downloads', () => {
  it('downloads from an allowed host, connecting to the vetted address with the Host header kept', async () => {
    const calls: string[] = [];
    const lookup = fakeDns({ 'cdn.example.test': ['127.0.0.1'] }, calls);
    const result = await guardedFetch(
      `http://cdn.example.test:${port}/file.txt?ex=123`,
      localOpts({ lookup }),
    );

    expect(result.bytes.equals(FILE)).toBe(true);
    expect(result.contentType).toBe('text/plain');
    expect(result.finalUrl).toBe(`http://cdn.example.test:${port}/file.txt?ex=123`);
    expect(requests).toEqual([{ url: '/file.txt?ex=123', host: `cdn.example.test:${port}` }]);
    // Resolved exactly once: the connection used the checked answer, not a second (rebindable) lookup.
    expect(calls).toEqual(['cdn.example.test']);
  });

  it('matches *.suffix allow-list entries against subdomains only', async () => {
    const result = await guardedFetch(`http://EU.Media.Example.Test:${port}/file.txt`, localOpts());
    expect(result.bytes.equals(FILE)).toBe(true);

    const bare = await refusal(
      guardedFetch(
        `http://media.example.test:${port}/file.txt`,
        localOpts({ allowedHosts: ['*.media.example.test'] }),
      ),
    );
    expect(bare.reason).toBe('host_not_allowed');
  });

  it('reuses one kept-alive connection for downloads that follow each other, even after a refusal', async () => {
    for (let i = 0; i < 3; i++) {
      const result = await guardedFetch(`http://cdn.example.test:${port}/file.txt`, localOpts());
      expect(result.bytes.equals(FILE)).toBe(true);
    }
    // A body cut off at the size limit ends its connection; the next download opens a new one.
    const cut = await refusal(
      guardedFetch(`http://cdn.example.test:${port}/big-chunked`, localOpts({ maxBytes: 4096 })),
    );
    expect(cut.reason).toBe('too_large');
    const after = await guardedFetch(`http://cdn.example.test:${port}/file.txt`, localOpts());
    expect(after.bytes.equals(FILE)).toBe(true);
    expect(requests.map((r) => r.url)).toEqual([
      '/file.txt',
      '/file.txt',
      '/file.txt',
      '/big-chunked',
      '/file.txt',
    ]);
    const [first, second, third, fourth, fifth] = requestSockets;
    expect([second, third, fourth]).toEqual([first, first, first]);
    expect(fifth).not.toBe(first);
  });

  it('vets the address again before using a kept-alive connection', async () => {
    await guardedFetch(`http://cdn.example.test:${port}/file.txt`, localOpts());
    // The name now resolves somewhere private and private addresses are not allowed: refused, although
    // a connection to the earlier, vetted answer is still open.
    const err = await refusal(
      guardedFetch(
        `http://cdn.example.test:${port}/file.txt`,
        localOpts({ allowPrivateAddresses: false, lookup: fakeDns({ 'cdn.example.test': ['10.9.9.9'] }) }),
      ),
    );
    expect(err.reason).toBe('private_address');
    expect(requests).toHaveLength(1);
  });

  it('passes caller headers but not a Host override', async () => {
    await guardedFetch(
      `http://cdn.example.test:${port}/file.txt`,
      localOpts({ headers: { Host: 'evil.internal', 'User-Agent': 'AtelierBot' } }),
    );
    expect(requests[0]?.host).toBe(`cdn.example.test:${port}`);
  });
});

describe('guardedFetch: private addresses are refused before any connection', () => {
  const publicOnly = (overrides: Partial<GuardedFetchOptions> = {}): GuardedFetchOptions => ({
    allowedHosts: [
      'cdn.example.test',
      '127.0.0.1',
      '10.0.0.1',
      '[::1]',
      '169.254.169.254',
      'internal.example.test',
    ],
    maxBytes: 1024 * 1024,
    timeoutMs: 2000,
    lookup: fakeDns({
      'cdn.example.test': ['127.0.0.1'],
      'internal.example.test': ['10.1.2.3'],
      'mixed.example.test': ['93.184.216.34', '10.1.2.3'],
      'mixed6.example.test': ['2606:2800:220:1:248:1893:25c8:1946', 'fd00::1'],
    }),
    ...overrides,
  });

  const cases: Array<[string, () => string]> = [
    ['loopback literal', () => `http://127.0.0.1:${port}/x`],
    ['private 10/8 literal', () => 'http://10.0.0.1/x'],
    ['IPv6 loopback literal', () => `http://[::1]:${port}/x`],
    ['cloud metadata address', () => 'http://169.254.169.254/latest/meta-data'],
    ['decimal IPv4 form of 127.0.0.1', () => 'http://2130706433/'],
    ['hex IPv4 form of 127.0.0.1', () => `http://0x7f.1:${port}/x`],
    ['octal IPv4 form of 127.0.0.1', () => `http://0177.0.0.1:${port}/x`],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${port}/x`],
    ['NAT64 of a private address', () => 'http://[64:ff9b::a00:1]/x'],
    ['unspecified address', () => `http://0.0.0.0:${port}/x`],
    ['a name resolving to loopback', () => `http://cdn.example.test:${port}/file.txt`],
    ['a name resolving to 10.1.2.3', () => `http://internal.example.test:${port}/x`],
  ];

  it.each(cases)('%s', async (_label, makeUrl) => {
    const err = await refusal(guardedFetch(makeUrl(), publicOnly()));
    expect(err.reason).toBe('private_address');
    expect(err.message).toMatch(/private, local or reserved/);
    expect(connections).toBe(0);
    expect(requests).toHaveLength(0);
  });

  it('refuses a name resolving to both a public and a private address (IPv4 and IPv6)', async () => {
    for (const host of ['mixed.example.test', 'mixed6.example.test']) {
      const err = await refusal(guardedFetch(`http://${host}/x`, publicOnly({ allowedHosts: [host] })));
      expect(err.reason).toBe('private_address');
      expect(err.message).toContain(host);
    }
    expect(connections).toBe(0);
  });

  it('says which address a name resolved to', async () => {
    const err = await refusal(guardedFetch('http://internal.example.test/x', publicOnly()));
    expect(err.message).toBe(
      'Refused to download from internal.example.test (it resolves to 10.1.2.3): that is a private, local or reserved network address, not a public server.',
    );
  });
});

describe('guardedFetch: other refusals', () => {
  it('refuses hosts that are not on the allow-list without resolving them', async () => {
    const calls: string[] = [];
    const err = await refusal(
      guardedFetch(
        'https://attacker.example.com/x.png',
        localOpts({ lookup: fakeDns({ 'attacker.example.com': ['93.184.216.34'] }, calls) }),
      ),
    );
    expect(err.reason).toBe('host_not_allowed');
    expect(err.message).toContain('attacker.example.com');
    expect(calls).toEqual([]);
  });

  it('refuses a suffix look-alike', async () => {
    const err = await refusal(guardedFetch(`http://evilcdn.example.test:${port}/file.txt`, localOpts()));
    expect(err.reason).toBe('host_not_allowed');
  });

  it.each([
    ['to a private address', '/redirect-private'],
    ['even to an allowed host', '/redirect-allowed'],
  ])('refuses a redirect %s', async (_label, path) => {
    const err = await refusal(guardedFetch(`http://cdn.example.test:${port}${path}`, localOpts()));
    expect(err.reason).toBe('redirect');
    expect(err.status).toBe(302);
    expect(err.message).toMatch(/not even to an allowed host/);
    expect(requests.map((r) => r.url)).toEqual([path]); // the Location was not followed
  });

  it('refuses a body whose Content-Length exceeds maxBytes', async () => {
    const err = await refusal(
      guardedFetch(`http://cdn.example.test:${port}/big-declared`, localOpts({ maxBytes: 1000 })),
    );
    expect(err.reason).toBe('too_large');
    expect(err.message).toContain('5000');
  });

  it('aborts a chunked body (no Content-Length) once it exceeds maxBytes', async () => {
    const err = await refusal(
      guardedFetch(`http://cdn.example.test:${port}/big-chunked`, localOpts({ maxBytes: 5000 })),
    );
    expect(err.reason).toBe('too_large');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(chunkedFinished).toBe(false); // the server was cut off, not read to the end
  });

  it('accepts a body of exactly maxBytes', async () => {
    const result = await guardedFetch(
      `http://cdn.example.test:${port}/file.txt`,
      localOpts({ maxBytes: FILE.length }),
    );
    expect(result.bytes.length).toBe(FILE.length);
  });

  it('times out on a server that never answers', async () => {
    const started = Date.now();
    const err = await refusal(
      guardedFetch(`http://cdn.example.test:${port}/hang`, localOpts({ timeoutMs: 300 })),
    );
    const elapsed = Date.now() - started;
    expect(err.reason).toBe('timeout');
    expect(err.message).toContain('300 ms');
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
  });

  it('times out on a body that never completes', async () => {
    const err = await refusal(
      guardedFetch(`http://cdn.example.test:${port}/drip`, localOpts({ timeoutMs: 300 })),
    );
    expect(err.reason).toBe('timeout');
  });

  it('times out on a DNS lookup that never answers', async () => {
    const err = await refusal(
      guardedFetch(
        'http://cdn.example.test/x',
        localOpts({ timeoutMs: 200, lookup: () => new Promise(() => {}) }),
      ),
    );
    expect(err.reason).toBe('timeout');
  });

  it('reports a 404 as http_error', async () => {
    const err = await refusal(guardedFetch(`http://cdn.example.test:${port}/missing`, localOpts()));
    expect(err.reason).toBe('http_error');
    expect(err.status).toBe(404);
    expect(err.message).toContain('404');
  });

  it('reports an unresolvable name as http_error', async () => {
    const err = await refusal(guardedFetch('http://nowhere.media.example.test/x', localOpts()));
    expect(err.reason).toBe('http_error');
    expect(err.message).toContain('ENOTFOUND');
  });

  it.each([
    ['ftp://cdn.example.test/file.txt'],
    ['file:///etc/passwd'],
    ['not a url'],
    ['http://user:pass@cdn.example.test/file.txt'],
  ])('refuses %s as bad_url', async (url) => {
    const err = await refusal(guardedFetch(url, localOpts()));
    expect(err.reason).toBe('bad_url');
  });
});

describe('isPublicAddress', () => {
  const table: Array<[string, boolean]> = [
    // public
    ['93.184.216.34', true],
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['162.159.130.233', true],
    ['100.63.255.255', true],
    ['100.128.0.0', true],
    ['172.15.255.255', true],
    ['172.32.0.0', true],
    ['11.0.0.1', true],
    ['2606:2800:220:1:248:1893:25c8:1946', true],
    ['2a00:1450:4001:82b::200e', true],
    ['::ffff:93.184.216.34', true],
    ['::ffff:5db8:d822', true],
    ['64:ff9b::5db8:d822', true],
    ['2002:5db8:d822::1', true],
    // IPv4 private / special
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['10.0.0.1', false],
    ['10.255.255.255', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['100.127.255.255', false],
    ['0.0.0.0', false],
    ['0.1.2.3', false],
    ['224.0.0.1', false],
    ['239.255.255.250', false],
    ['240.0.0.1', false],
    ['255.255.255.255', false],
    ['192.0.2.1', false],
    ['198.18.0.1', false],
    // IPv6 private / special
    ['::1', false],
    ['::', false],
    ['fc00::1', false],
    ['fd12:3456:789a::1', false],
    ['fe80::1', false],
    ['febf::1', false],
    ['fec0::1', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:169.254.169.254', false],
    ['0:0:0:0:0:ffff:c0a8:0101', false],
    ['64:ff9b::10.0.0.1', false],
    ['64:ff9b::7f00:1', false],
    ['64:ff9b:1::1', false],
    ['2002:7f00:1::1', false],
    ['2001:db8::1', false],
    ['2001::1', false],
    ['::127.0.0.1', false],
    ['100::1', false],
    ['[::1]', false],
    // not canonical addresses: fail closed
    ['fe80::1%eth0', false],
    ['localhost', false],
    ['2130706433', false],
    ['0x7f.0.0.1', false],
    ['0177.0.0.1', false],
    ['256.1.1.1', false],
    ['1.2.3', false],
    ['', false],
    ['1::2::3', false],
    ['1:2:3:4:5:6:7:8:9', false],
  ];

  it.each(table)('%s -> %s', (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });
});
