import { ApiError, createFalClient, type FalClient, type QueueStatus } from '@fal-ai/client';
import type { Logger } from '../../logger';
import {
  type GenerationProvider,
  ProviderRejectedError,
  type ProviderResult,
  type ProviderStatus,
  ProviderUnavailableError,
  type SubmitRequest,
} from '../provider';
import { createFalFetch } from './fal-fetch';

export interface FalProviderOptions {
  /** FAL_KEY (`key_id:key_secret`). Never logged, never put in an error message. */
  key: string;
  /** FAL_API_ROOT: every `https://HOST/PATH` fal request goes to `${apiRoot}/HOST/PATH` instead. */
  apiRoot?: string;
  logger: Logger;
  /** Whole-download time limit for `downloadOutput`. Default 60 s. */
  downloadTimeoutMs?: number;
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
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new ProviderRejectedError('The model returned an output URL that is not valid');
      }
      const allowHttp = Boolean(apiRoot) && parsed.protocol === 'http:';
      if (parsed.protocol !== 'https:' && !allowHttp) {
        throw new ProviderRejectedError(`Refusing to download a model output over ${parsed.protocol}`);
      }
      const limit = `${formatBytes(maxBytes)} limit`;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), downloadTimeoutMs);
      try {
        const res = await falFetch(parsed.href, { signal: controller.signal, redirect: 'follow' });
        if (!res.ok) {
          await res.body?.cancel().catch(() => {});
          const reason = `Downloading the model output failed (HTTP ${res.status})`;
          if (res.status >= 500 || res.status === 429 || res.status === 408) {
            throw new ProviderUnavailableError(reason, res.status);
          }
          throw new ProviderRejectedError(reason, res.status);
        }
        const declared = Number(res.headers.get('content-length') ?? Number.NaN);
        if (Number.isFinite(declared) && declared > maxBytes) {
          await res.body?.cancel().catch(() => {});
          throw new ProviderRejectedError(`The model output is ${formatBytes(declared)}, over the ${limit}`);
        }
        const chunks: Buffer[] = [];
        let total = 0;
        if (res.body) {
          const reader = res.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            total += value.byteLength;
            if (total > maxBytes) {
              await reader.cancel().catch(() => {});
              throw new ProviderRejectedError(`The model output is over the ${limit}`);
            }
            chunks.push(Buffer.from(value));
          }
        }
        return { bytes: Buffer.concat(chunks, total), contentType: res.headers.get('content-type') };
      } catch (err) {
        if (err instanceof ProviderRejectedError || err instanceof ProviderUnavailableError) throw err;
        if (controller.signal.aborted) {
          throw new ProviderUnavailableError(
            `Downloading the model output took longer than ${Math.round(downloadTimeoutMs / 1000)} s`,
          );
        }
        const code = errorCode(err);
        throw new ProviderUnavailableError(
          redact(
            `Downloading the model output failed (${code ?? (err instanceof Error ? err.message : String(err))})`,
          ),
        );
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}
