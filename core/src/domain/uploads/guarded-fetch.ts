/**
 * Guarded download of user attachments from chat-platform CDNs.
 *
 * Bots receive attachment URLs from Discord/Telegram/Slack messages and must download them before
 * pushing them into uploads. Those URLs are user-influenced, so a plain `fetch(url)` would let
 * anyone make the server request internal services (cloud metadata at 169.254.169.254, the admin
 * API on localhost, databases on 10.x, ...). `guardedFetch` only talks to allow-listed hosts, only
 * to public addresses, pins the connection to the address it vetted (no DNS rebinding between the
 * check and the connect), never follows redirects, and bounds size and time.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';

export type FetchRefusedReason =
  | 'host_not_allowed'
  | 'private_address'
  | 'redirect'
  | 'too_large'
  | 'timeout'
  | 'bad_url'
  | 'http_error';

/**
 * Thrown for every way a guarded download can fail. `reason` is a stable code for programs; `message`
 * is written for a person (it names the host, never the full URL, because CDN URLs carry signed tokens).
 * 'http_error' also covers "the server could not be reached" (DNS failure, connection refused/reset).
 */
export class FetchRefusedError extends Error {
  override readonly name = 'FetchRefusedError';
  readonly reason: FetchRefusedReason;
  /** Hostname of the refused URL when it could be parsed. */
  readonly host: string | null;
  /** HTTP status when the server answered ('redirect' and 'http_error'). */
  readonly status: number | null;

  constructor(
    reason: FetchRefusedReason,
    message: string,
    details: { host?: string | null; status?: number | null; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = reason;
    this.host = details.host ?? null;
    this.status = details.status ?? null;
  }
}

/** Resolves a hostname to every address it has (like `dns.lookup(host, { all: true })`). */
export type LookupFn = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export interface GuardedFetchOptions {
  /** Exact hostnames (`cdn.discordapp.com`) or `*.suffix` entries matching any subdomain of `suffix`. */
  allowedHosts: readonly string[];
  /** Largest body accepted, checked against Content-Length and again while streaming. */
  maxBytes: number;
  /** Overall deadline covering DNS, connect, response headers and the whole body. */
  timeoutMs: number;
  /**
   * Skips the public-address check. It exists ONLY so tests and local development can download from
   * fakes listening on 127.0.0.1. It must come from code or deployment configuration and is NEVER to be
   * set from anything a user controls (message content, attachment metadata, request parameters).
   */
  allowPrivateAddresses?: boolean;
  /** DNS resolution; defaults to `node:dns` lookup with `all: true`. Injected by tests. */
  lookup?: LookupFn;
  /** Extra request headers. `Host` and framing/encoding headers are controlled by guardedFetch and ignored. */
  headers?: Record<string, string>;
}

export interface GuardedFetchResult {
  bytes: Buffer;
  contentType: string | null;
  /** The URL that was downloaded; always the requested one since redirects are refused. */
  finalUrl: string;
}

interface Target {
  url: URL;
  protocol: 'http:' | 'https:';
  /** Hostname without IPv6 brackets or a trailing dot, lowercase. */
  host: string;
  /** 4 or 6 when the URL names a literal IP address, else 0. */
  literalFamily: 0 | 4 | 6;
  port: number;
  path: string;
}

interface VettedAddress {
  address: string;
  family: 4 | 6;
}

type NodeLookupFunction = NonNullable<http.RequestOptions['lookup']>;

/**
 * Connections are kept alive and reused per host: a TLS handshake for every output file would cost
 * more CPU than most downloads. Only sockets opened here, through `pinnedLookup` to an address that
 * was vetted, ever enter these pools, and every download still resolves and vets the host before it
 * may use one. The mode that allows private addresses (tests, local development) has pools of its own,
 * so none of its sockets can serve a download that does not allow them.
 */
const agentOptions = { keepAlive: true, maxFreeSockets: 32, timeout: 30_000 };
const POOLS = {
  public: { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) },
  private: { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) },
};

const defaultLookup: LookupFn = (hostname) => dnsLookup(hostname, { all: true });

/** Headers a caller may not set: they would change where/how we connect or how the body is framed. */
const CONTROLLED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'accept-encoding',
  'proxy-authorization',
  'upgrade',
]);

export async function guardedFetch(url: string, opts: GuardedFetchOptions): Promise<GuardedFetchResult> {
  validateOptions(opts);
  const target = parseTarget(url);

  // A literal private IP is refused before the allow-list: it is the more precise answer, and an
  // allow-list entry must never make an internal address reachable.
  if (target.literalFamily !== 0 && !opts.allowPrivateAddresses && !isPublicAddress(target.host)) {
    throw privateAddressError(target.host, target.host);
  }
  if (!isHostAllowed(target.host, opts.allowedHosts)) {
    throw new FetchRefusedError(
      'host_not_allowed',
      `Refused to download from ${displayHost(target.host)}: that host is not on the list of allowed attachment hosts.`,
      { host: target.host },
    );
  }

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new FetchRefusedError(
          'timeout',
          `Gave up downloading from ${displayHost(target.host)} after ${opts.timeoutMs} ms.`,
          { host: target.host },
        ),
      );
    }, opts.timeoutMs);
  });

  try {
    return await Promise.race([download(target, opts, controller.signal), deadline]);
  } catch (err) {
    // Tear down whatever is still in flight (socket, pending body) on every failure.
    controller.abort();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function download(
  target: Target,
  opts: GuardedFetchOptions,
  signal: AbortSignal,
): Promise<GuardedFetchResult> {
  const addresses: VettedAddress[] =
    target.literalFamily === 0
      ? await resolveAndVet(target.host, opts)
      : [{ address: target.host, family: target.literalFamily }];
  if (signal.aborted) {
    // The deadline already rejected; this value is never observed.
    throw new FetchRefusedError('timeout', 'aborted', { host: target.host });
  }
  return request(target, addresses, opts, signal);
}

async function resolveAndVet(host: string, opts: GuardedFetchOptions): Promise<VettedAddress[]> {
  let results: ReadonlyArray<{ address: string; family: number }>;
  try {
    results = await (opts.lookup ?? defaultLookup)(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    throw new FetchRefusedError(
      'http_error',
      `Could not look up the address of ${host}${code ? ` (${code})` : ''}.`,
      { host, cause: err },
    );
  }
  if (results.length === 0) {
    throw new FetchRefusedError('http_error', `The name ${host} did not resolve to any address.`, { host });
  }
  const vetted: VettedAddress[] = [];
  for (const { address } of results) {
    const family = isIP(address);
    // Every address must pass: with several A/AAAA records the connection may use any of them.
    if (family === 0 || (!opts.allowPrivateAddresses && !isPublicAddress(address))) {
      throw privateAddressError(host, address);
    }
    vetted.push({ address, family: family as 4 | 6 });
  }
  return vetted;
}

/**
 * A `lookup` for node:http that only ever answers with the addresses already vetted, so the socket
 * connects to exactly what was checked while Host header, SNI and certificate checks keep the hostname.
 */
function pinnedLookup(host: string, addresses: readonly VettedAddress[]): NodeLookupFunction {
  return (hostname, options, callback) => {
    const wanted =
      options.family === 4 || options.family === 'IPv4'
        ? 4
        : options.family === 6 || options.family === 'IPv6'
          ? 6
          : 0;
    const usable = addresses.filter((a) => wanted === 0 || a.family === wanted);
    process.nextTick(() => {
      const first = usable[0];
      if (hostname.toLowerCase().replace(/\.$/, '') !== host || first === undefined) {
        const err: NodeJS.ErrnoException = new Error(`No vetted address for ${hostname}`);
        err.code = 'ENOTFOUND';
        callback(err, '', 0);
      } else if (options.all) {
        callback(
          null,
          usable.map((a): LookupAddress => ({ address: a.address, family: a.family })),
        );
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

function request(
  target: Target,
  addresses: readonly VettedAddress[],
  opts: GuardedFetchOptions,
  signal: AbortSignal,
): Promise<GuardedFetchResult> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (!CONTROLLED_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  // Ask for the body as stored so maxBytes bounds exactly what we keep (no decompression here).
  headers['accept-encoding'] = 'identity';

  const requestOptions: http.RequestOptions = {
    method: 'GET',
    host: target.host,
    port: target.port,
    path: target.path,
    headers,
    // A new socket only ever connects to a vetted address; a pooled one was opened the same way.
    agent: POOLS[opts.allowPrivateAddresses ? 'private' : 'public'][target.protocol],
    signal,
    lookup: pinnedLookup(target.host, addresses),
  };
  const host = target.host;
  const shownHost = displayHost(host);

  return new Promise<GuardedFetchResult>((resolve, reject) => {
    let settled = false;
    const req = (target.protocol === 'https:' ? https : http).request(requestOptions);
    const fail = (err: FetchRefusedError): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(err);
    };
    const tooLarge = (detail: string): FetchRefusedError =>
      new FetchRefusedError(
        'too_large',
        `The file at ${shownHost} is larger than the ${opts.maxBytes}-byte limit (${detail}).`,
        { host },
      );

    req.on('error', (err) => {
      fail(
        new FetchRefusedError('http_error', `Could not download from ${shownHost}: ${err.message}.`, {
          host,
          cause: err,
        }),
      );
    });

    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.on('error', () => {
        fail(
          new FetchRefusedError('http_error', `The connection to ${shownHost} failed mid-download.`, {
            host,
          }),
        );
      });

      if (status >= 300 && status < 400) {
        fail(
          new FetchRefusedError(
            'redirect',
            `${shownHost} answered with a redirect (HTTP ${status})${describeLocation(res.headers.location, target.url)}. ` +
              'Redirects are never followed, not even to an allowed host; the attachment URL must point at the file itself.',
            { host, status },
          ),
        );
        return;
      }
      if (status < 200 || status >= 300) {
        fail(new FetchRefusedError('http_error', `${shownHost} answered HTTP ${status}.`, { host, status }));
        return;
      }

      const declared = res.headers['content-length'];
      if (declared !== undefined && Number(declared) > opts.maxBytes) {
        fail(tooLarge(`it declares ${declared} bytes`));
        return;
      }

      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        received += chunk.length;
        if (received > opts.maxBytes) {
          fail(tooLarge(`stopped after receiving ${received} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({
          bytes: Buffer.concat(chunks, received),
          contentType: res.headers['content-type'] ?? null,
          finalUrl: target.url.href,
        });
      });
      res.on('close', () => {
        if (!res.complete) {
          fail(
            new FetchRefusedError(
              'http_error',
              `${shownHost} closed the connection before the file was complete.`,
              {
                host,
              },
            ),
          );
        }
      });
    });

    req.end();
  });
}

function parseTarget(raw: string): Target {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefusedError('bad_url', 'The attachment link is not a valid URL.');
  }
  const hostname = url.hostname.toLowerCase();
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchRefusedError(
      'bad_url',
      `Only http and https links can be downloaded, not ${url.protocol.replace(/:$/, '')}.`,
      { host: hostname || null },
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new FetchRefusedError('bad_url', 'Links containing a user name or password are not downloaded.', {
      host: hostname,
    });
  }
  // WHATWG URL has already normalised numeric IPv4 forms (2130706433, 0x7f.1, 0177.0.0.1 -> 127.0.0.1)
  // and compressed IPv6, so isIP sees the canonical address.
  const host = stripBrackets(hostname).replace(/\.$/, '');
  if (host === '') throw new FetchRefusedError('bad_url', 'The attachment link has no host.');
  const literal = isIP(host);
  return {
    url,
    protocol: url.protocol,
    host,
    literalFamily: literal === 4 ? 4 : literal === 6 ? 6 : 0,
    port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
    path: `${url.pathname}${url.search}`,
  };
}

/** Exact match, or `*.suffix` matching any subdomain (at any depth) of suffix, but not suffix itself. */
function isHostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  for (const rawEntry of allowedHosts) {
    const entry = stripBrackets(rawEntry.trim().toLowerCase()).replace(/\.$/, '');
    if (entry.startsWith('*.')) {
      const suffix = entry.slice(1); // ".example.com"
      if (suffix.length > 1 && isIP(host) === 0 && host.endsWith(suffix) && host.length > suffix.length)
        return true;
    } else if (entry !== '' && entry === host) {
      return true;
    }
  }
  return false;
}

function privateAddressError(host: string, address: string): FetchRefusedError {
  const which = host === address ? displayHost(host) : `${host} (it resolves to ${address})`;
  return new FetchRefusedError(
    'private_address',
    `Refused to download from ${which}: that is a private, local or reserved network address, not a public server.`,
    { host },
  );
}

function describeLocation(location: string | undefined, base: URL): string {
  if (!location) return '';
  try {
    return ` to ${new URL(location, base).host}`;
  } catch {
    return '';
  }
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function displayHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function validateOptions(opts: GuardedFetchOptions): void {
  if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 0) {
    throw new TypeError('guardedFetch: maxBytes must be a non-negative integer');
  }
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) {
    throw new TypeError('guardedFetch: timeoutMs must be a positive number');
  }
}

// ---------------------------------------------------------------------------------------------------
// Address classification
// ---------------------------------------------------------------------------------------------------

/** IPv4 ranges that are not public unicast (IANA special-purpose registry, RFC 6890 and successors). */
const BLOCKED_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", includes the unspecified 0.0.0.0
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast 255.255.255.255
];

const BLOCKED_V4_NUMERIC = BLOCKED_V4.map(([base, bits]) => [parseIPv4(base)!, bits] as const);

/**
 * True only for a canonical IPv4 or IPv6 address that is public unicast. Anything else, including
 * strings that are not addresses, zone-scoped IPv6 (`fe80::1%eth0`) and non-canonical IPv4 spellings,
 * is false: the classifier fails closed.
 *
 * IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by the
 * IPv4 address they embed. Other IPv6 must be global unicast (2000::/3) outside the IETF-reserved
 * 2001::/23 (Teredo, benchmarking, ORCHID), documentation 2001:db8::/32 and 3fff::/20; this excludes
 * ::, ::1, fc00::/7, fe80::/10, fec0::/10, ff00::/8, 64:ff9b:1::/48, 100::/64 and deprecated ::/96.
 */
export function isPublicAddress(ip: string): boolean {
  const text = stripBrackets(ip.trim());
  const v4 = parseIPv4(text);
  if (v4 !== null) return isPublicV4(v4);
  const v6 = parseIPv6(text);
  if (v6 !== null) return isPublicV6(v6);
  return false;
}

function isPublicV4(n: number): boolean {
  return !BLOCKED_V4_NUMERIC.some(([base, bits]) => (n ^ base) >>> (32 - bits) === 0);
}

function isPublicV6(h: readonly number[]): boolean {
  const g = (i: number): number => h[i] ?? 0;
  const embeddedV4 = (hi: number, lo: number): number => ((hi << 16) | lo) >>> 0;
  // ::ffff:a.b.c.d
  if (g(0) === 0 && g(1) === 0 && g(2) === 0 && g(3) === 0 && g(4) === 0 && g(5) === 0xffff) {
    return isPublicV4(embeddedV4(g(6), g(7)));
  }
  // 64:ff9b::a.b.c.d (well-known NAT64 prefix)
  if (g(0) === 0x64 && g(1) === 0xff9b && g(2) === 0 && g(3) === 0 && g(4) === 0 && g(5) === 0) {
    return isPublicV4(embeddedV4(g(6), g(7)));
  }
  // 2002:aabb:ccdd::/48 (6to4)
  if (g(0) === 0x2002) return isPublicV4(embeddedV4(g(1), g(2)));
  // Must be global unicast 2000::/3.
  if ((g(0) & 0xe000) !== 0x2000) return false;
  if (g(0) === 0x2001 && g(1) < 0x0200) return false; // 2001::/23
  if (g(0) === 0x2001 && g(1) === 0x0db8) return false; // 2001:db8::/32
  if (g(0) === 0x3fff && g(1) < 0x1000) return false; // 3fff::/20
  return true;
}

/** Strict dotted-decimal IPv4 (no leading zeros) to an unsigned 32-bit number, else null. */
function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    n = n * 256 + octet;
  }
  return n;
}

/** IPv6 text (with `::` and an optional dotted IPv4 tail) to eight 16-bit groups, else null. */
function parseIPv6(text: string): number[] | null {
  if (!text.includes(':') || text.includes('%')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseSide = (side: string): number[] | null => {
    if (side === '') return [];
    const groups: number[] = [];
    const pieces = side.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] ?? '';
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (v4 === null) return null;
        groups.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-f]{1,4}$/i.test(piece)) {
        groups.push(Number.parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = parseSide(halves[0] ?? '');
  const tail = halves.length === 2 ? parseSide(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  // A dotted tail is only valid at the very end.
  if (head.length > 0 && (halves[0] ?? '').split(':').pop()?.includes('.')) return null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}
