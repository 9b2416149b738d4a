import { isIP } from 'node:net';
import { ApiError, createFalClient, type FalClient, type QueueStatus } from '@fal-ai/client';
import { FetchRefusedError, guardedFetch, type LookupFn } from '../../domain/uploads/guarded-fetch';
import type { Logger } from '../../logger';
import {
  type GenerationProvider,
  ProviderRejectedError,
  type ProviderResult,
  type ProviderStatus,
  ProviderUnavailableError,
  type SubmitRequest,
} from '../provider';
import { createFalFetch, FAL_HOST, rewriteFalUrl } from './fal-fetch';

export interface FalProviderOptions {
  /** FAL_KEY (`key_id:key_secret`). Never logged, never put in an error message. */
  key: string;
  /** FAL_API_ROOT: every `https://HOST/PATH` fal request goes to `${apiRoot}/HOST/PATH` instead. */
  apiRoot?: string;
  logger: Logger;
  /** Whole-download time limit for `downloadOutput`. Default 60 s. */
  downloadTimeoutMs?: number;
  /** FAL_OUTPUT_HOSTS: hosts besides fal's CDN that model outputs may be downloaded from (public only). */
  extraOutputHosts?: readonly string[];
  /** DNS resolution for output downloads; tests inject one. */
  lookup?: LookupFn;
}

const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;
const MAX_REASON_LENGTH = 600;
const PERCENT = /(\d{1,3}(?:\.\d+)?)\s*%/;

/** What went wrong, in words, and whether trying again later can help. */
interface Classified {
  retryable: boolean;
  status: number | null;
  reason: string;
}

function truncate(text: string, max = MAX_REASON_LENGTH): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** fal error bodies are `{detail}`: a string, or FastAPI's `[{loc, msg, type}]` for 422s. */
export function describeFalDetail(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const parts = detail.map((item) => {
      if (!isRecord(item)) return typeof item === 'string' ? item : JSON.stringify(item);
      const loc = Array.isArray(item.loc) ? item.loc.filter((p, i) => !(i === 0 && p === 'body')) : [];
      const msg = typeof item.msg === 'string' ? item.msg : JSON.stringify(item);
      return loc.length > 0 ? `${loc.join('.')}: ${msg}` : msg;
    });
    return parts.join('; ');
  }
  if (isRecord(detail) && typeof detail.msg === 'string') return detail.msg;
  if (detail === undefined || detail === null) return '';
  return JSON.stringify(detail);
}

function bodyDetail(body: unknown): string {
  if (isRecord(body)) {
    if ('detail' in body) return describeFalDetail(body.detail);
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  }
  return typeof body === 'string' ? body : '';
}

function errorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (isRecord(current) || current instanceof Error) {
    if (seen.has(current)) break;
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps anything the fal client throws to a sentence and a retry decision. */
function classify(err: unknown): Classified {
  if (err instanceof ApiError) {
    const status = err.status;
    const detail = bodyDetail(err.body) || err.message;
    const suffix = detail ? `: ${detail}` : '';
    if (status === 422) return { retryable: false, status, reason: `The model rejected the input${suffix}` };
    if (status === 429)
      return { retryable: true, status, reason: `fal is rate limiting our requests${suffix}` };
    if (status === 408 || status === 504) {
      return { retryable: true, status, reason: `fal did not answer in time (HTTP ${status})${suffix}` };
    }
    if (status >= 500)
      return { retryable: true, status, reason: `fal is unavailable (HTTP ${status})${suffix}` };
    if (status === 401 || status === 403) {
      return {
        retryable: false,
        status,
        reason: `fal did not accept our API key (HTTP ${status}); the operator should check FAL_KEY`,
      };
    }
    if (status === 404)
      return { retryable: false, status, reason: `fal does not know this model or request${suffix}` };
    if (status >= 400) return { retryable: false, status, reason: `The model rejected the request${suffix}` };
    return { retryable: true, status, reason: `fal answered unexpectedly (HTTP ${status})${suffix}` };
  }
  const name = err instanceof Error ? err.name : '';
  if (name === 'AbortError' || name === 'TimeoutError') {
    return { retryable: true, status: null, reason: 'fal did not answer in time' };
  }
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return {
    retryable: true,
    status: null,
    reason: `Could not reach fal (${code ?? message})`,
  };
}

/** The last percentage any log line carries ("progress 40%", "40%|████      | 8/20"), else null. */
export function progressFromLogs(logs: readonly string[]): number | null {
  for (let i = logs.length - 1; i >= 0; i--) {
    const match = PERCENT.exec(logs[i] ?? '');
    if (match?.[1] !== undefined) {
      const value = Number(match[1]);
      if (Number.isFinite(value) && value >= 0 && value <= 100) return Math.round(value);
    }
  }
  return null;
}

function logMessages(status: QueueStatus): string[] {
  const logs = 'logs' in status && Array.isArray(status.logs) ? status.logs : [];
  return logs.map((l) => (typeof l?.message === 'string' ? l.message : '')).filter((m) => m !== '');
}

/** The fal.ai model host, through the official `@fal-ai/client`. */
export function createFalProvider(options: FalProviderOptions): GenerationProvider {
  const { key, apiRoot, logger } = options;
  if (!key) throw new Error('createFalProvider needs a FAL_KEY');
  const log = logger.child({ provider: 'fal' });
  const falFetch = createFalFetch(apiRoot);
  const downloadTimeoutMs = options.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const fal: FalClient = createFalClient({ credentials: key, fetch: falFetch });
  const outputHosts = [...FAL_OUTPUT_HOSTS, ...(options.extraOutputHosts ?? [])];
  const loopbackApiRoot = apiRoot !== undefined && isLoopbackHost(unbracket(new URL(apiRoot).hostname));

  const secrets = [key, ...key.split(':').filter((part) => part.length >= 8)];
  /** Belt and braces: nothing we produce should carry the key, but a server could echo it back. */
  const redact = (text: string): string => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    return truncate(out);
  };
  const fail = (err: unknown, what: string): ProviderUnavailableError | ProviderRejectedError => {
    const c = classify(err);
    const reason = redact(c.reason);
    log.warn(`fal ${what} failed`, { status: c.status, retryable: c.retryable, reason });
    return c.retryable
      ? new ProviderUnavailableError(reason, c.status)
      : new ProviderRejectedError(reason, c.status);
  };

  return {
    name: 'fal',

    async submit({ endpoint, input, webhookUrl }: SubmitRequest) {
      try {
        const queued = await fal.queue.submit(endpoint, { input, ...(webhookUrl ? { webhookUrl } : {}) });
        log.debug('fal request submitted', { endpoint, requestId: queued.request_id });
        const position = (queued as { queue_position?: unknown }).queue_position;
        return {
          requestId: queued.request_id,
          queuePosition: typeof position === 'number' ? position : null,
        };
      } catch (err) {
        throw fail(err, 'submit');
      }
    },

    async status(endpoint, requestId): Promise<ProviderStatus> {
      let status: QueueStatus;
      try {
        status = await fal.queue.status(endpoint, { requestId, logs: true });
      } catch (err) {
        const error = fail(err, 'status');
        if (error instanceof ProviderUnavailableError) throw error;
        return { state: 'failed', reason: error.message, retryable: false };
      }
      const logs = logMessages(status);
      switch (status.status) {
        case 'IN_QUEUE':
          return {
            state: 'queued',
            queuePosition: typeof status.queue_position === 'number' ? status.queue_position : null,
            logs,
          };
        case 'IN_PROGRESS':
          return { state: 'running', progress: progressFromLogs(logs), logs };
        case 'COMPLETED':
          return { state: 'completed', logs };
        default:
          throw new ProviderUnavailableError(
            `fal reported an unknown status ${JSON.stringify((status as { status?: unknown }).status)}`,
          );
      }
    },

    async result(endpoint, requestId): Promise<ProviderResult> {
      try {
        const result = await fal.queue.result(endpoint, { requestId });
        return { ok: true, output: result.data };
      } catch (err) {
        const error = fail(err, 'result');
        if (error instanceof ProviderUnavailableError) throw error;
        return { ok: false, reason: error.message, retryable: false };
      }
    },

    async cancel(endpoint, requestId) {
      try {
        await fal.queue.cancel(endpoint, { requestId });
      } catch (err) {
        // Already finished (400) or unknown (404): nothing left to cancel.
        if (err instanceof ApiError && (err.status === 400 || err.status === 404)) {
          log.debug('fal cancel had nothing to cancel', { endpoint, requestId, status: err.status });
          return;
        }
        throw fail(err, 'cancel');
      }
    },

    async uploadInput(bytes, contentType, fileName) {
      try {
        return await fal.storage.upload(new File([Uint8Array.from(bytes)], fileName, { type: contentType }));
      } catch (err) {
        throw fail(err, 'upload');
      }
    },

    async downloadOutput(url, maxBytes) {
      const target = outputTarget(url);
      try {
        const fetched = await guardedFetch(target.url, {
          allowedHosts: [target.host],
          maxBytes,
          timeoutMs: downloadTimeoutMs,
          allowPrivateAddresses: target.viaApiRoot && loopbackApiRoot,
          ...(options.lookup ? { lookup: options.lookup } : {}),
        });
        return { bytes: fetched.bytes, contentType: fetched.contentType };
      } catch (err) {
        if (!(err instanceof FetchRefusedError)) throw err;
        throw downloadFailure(err, target.shownHost, maxBytes, downloadTimeoutMs, redact);
      }
    },
  };

  /**
   * Where an output URL may be fetched from: https on one of fal's file hosts (or a host the operator
   * allow-listed), sent to FAL_API_ROOT when that is set. Only that configured root may be a private
   * address (a local fake or gateway); everything else must be public, and redirects are never followed.
   */
  function outputTarget(raw: string): { url: string; host: string; shownHost: string; viaApiRoot: boolean } {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ProviderRejectedError('The model returned an output URL that is not valid');
    }
    if (parsed.protocol !== 'https:') {
      throw new ProviderRejectedError(`Refusing to download a model output over ${parsed.protocol}`);
    }
    const host = parsed.hostname.toLowerCase();
    if (!hostMatches(host, outputHosts)) {
      throw new ProviderRejectedError(
        `Refusing to download a model output from ${host}: it is not one of fal's file hosts (FAL_OUTPUT_HOSTS adds more)`,
      );
    }
    if (!apiRoot || !FAL_HOST.test(host))
      return { url: parsed.href, host, shownHost: host, viaApiRoot: false };
    const rewritten = new URL(rewriteFalUrl(parsed.href, apiRoot));
    return { url: rewritten.href, host: unbracket(rewritten.hostname), shownHost: host, viaApiRoot: true };
  }
}

/** fal's own file CDN; operators may add hosts with FAL_OUTPUT_HOSTS. */
export const FAL_OUTPUT_HOSTS = ['fal.media', '*.fal.media'];

function hostMatches(host: string, patterns: readonly string[]): boolean {
  return patterns.some((raw) => {
    const pattern = raw.trim().toLowerCase();
    if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
    return pattern !== '' && pattern === host;
  });
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** A refused or failed output download, as the pipeline's two error kinds (retry or fail for good). */
function downloadFailure(
  err: FetchRefusedError,
  host: string,
  maxBytes: number,
  timeoutMs: number,
  redact: (text: string) => string,
): ProviderRejectedError | ProviderUnavailableError {
  switch (err.reason) {
    case 'too_large':
      return new ProviderRejectedError(`The model output is over the ${formatBytes(maxBytes)} limit`);
    case 'timeout':
      return new ProviderUnavailableError(
        `Downloading the model output took longer than ${Math.round(timeoutMs / 1000)} s`,
      );
    case 'redirect':
      return new ProviderRejectedError(
        `Refusing to follow a redirect (HTTP ${err.status}) from ${host} for a model output`,
        err.status,
      );
    case 'private_address':
      return new ProviderRejectedError(
        `Refusing to download a model output from ${host}: it is a private or local network address`,
      );
    case 'http_error': {
      const status = err.status;
      const reason =
        status === null
          ? redact(`Downloading the model output failed (${err.message})`)
          : `Downloading the model output failed (HTTP ${status})`;
      const transient = status === null || status >= 500 || status === 429 || status === 408;
      return transient
        ? new ProviderUnavailableError(reason, status)
        : new ProviderRejectedError(reason, status);
    }
    default:
      return new ProviderRejectedError(redact(`Refusing to download the model output: ${err.message}`));
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}
