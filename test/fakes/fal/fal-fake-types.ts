// Public shapes of the fal fake: what tests configure (FalBehavior) and what they inspect.

/** The smallest valid PNG (1x1 RGBA), so image consumers can decode the fake's outputs. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

export interface FalLog {
  message: string;
  level: 'STDERR' | 'STDOUT' | 'ERROR' | 'INFO' | 'WARN' | 'DEBUG';
  source: 'USER';
  timestamp: string;
}

export interface OutputContext {
  requestId: string;
  appId: string;
  /** Serves `bytes` on the fake CDN and returns the public `https://v3.fal.media/files/...` URL. */
  addFile(fileName: string, bytes: Uint8Array, contentType: string): string;
  /** A CDN URL that answers with a 302 to `location`. */
  addRedirect(fileName: string, location: string): string;
}

export type OutputBuilder = (input: unknown, ctx: OutputContext) => unknown;

export interface FalErrorOutcome {
  status: number;
  /** Becomes `{detail}`; a string or a FastAPI-style `[{loc, msg, type}]` list for 422s. */
  detail: unknown;
}

export interface FalBehavior {
  /** Status polls answered IN_QUEUE, queue_position counting down to 0. Default 1. */
  queuePolls?: number;
  /** Status polls answered IN_PROGRESS, each appending a "progress N%" log. Default 1. */
  progressPolls?: number;
  /** Progress by wall-clock time since submit instead of by polls (completes without being polled). */
  timing?: { queueMs: number; progressMs: number };
  /** Completes inside submit: for benchmarks, where the fake must not be the bottleneck. */
  immediate?: boolean;
  /** Never completes on its own; stays IN_PROGRESS until `complete()` / `fail()`. */
  manual?: boolean;
  /** Success output. Default: a flux-style image output serving TINY_PNG. */
  output?: OutputBuilder;
  /** Final outcome is this error instead of an output. */
  error?: FalErrorOutcome;
  /** The next N submits fail with `submitFailureStatus` (default 503) before one is accepted. */
  submitFailures?: number;
  submitFailureStatus?: number;
  /**
   * Accepts submits (the job exists and runs) but withholds the HTTP answer until
   * `releaseSubmitAnswers()`: a client that dies meanwhile never learns the request id.
   */
  holdSubmitAnswers?: boolean;
  /**
   * What the model app does with a cancellation while IN_PROGRESS. fal removes a queued request at
   * once, but only forwards the signal to a running app, which decides: 'stop' (default) ends it as
   * cancelled; 'ignore' keeps it running to its normal outcome (as many apps do).
   */
  onCancelInProgress?: 'stop' | 'ignore';
  /** Webhook delivery when submitted with `fal_webhook`; default on with no delay. */
  webhook?: false | { delayMs?: number };
}

export type FalRequestStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';

export interface FakeFalRequest {
  readonly id: string;
  readonly appId: string;
  readonly input: unknown;
  readonly headers: Record<string, string>;
  readonly webhookUrl: string | undefined;
  status: FalRequestStatus;
  queuePosition: number;
  cancelled: boolean;
  statusPolls: number;
  logs: FalLog[];
  /** What the result endpoint returns once COMPLETED. */
  result?: { status: number; body: unknown };
}

export interface FakeFalFile {
  url: string;
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

export interface WebhookDelivery {
  requestId: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Receiver's HTTP status, or `error` when the POST itself failed. */
  responseStatus?: number;
  error?: string;
}

export interface FalFakeOptions {
  /** Accepted `Authorization: Key <key>` values. */
  keys?: string[];
  /** Sent as x-fal-webhook-user-id and covered by the signature. */
  userId?: string;
  /** Seed for the deterministic Ed25519 webhook keys. */
  keySeed?: string;
}

export function imageOutput(
  bytes: Uint8Array = TINY_PNG,
  { width = 1, height = 1, contentType = 'image/png', count = 1 } = {},
): OutputBuilder {
  const ext = contentType.split('/')[1] ?? 'bin';
  return (input, ctx) => ({
    images: Array.from({ length: count }, (_, i) => ({
      url: ctx.addFile(`image-${i}.${ext}`, bytes, contentType),
      width,
      height,
      content_type: contentType,
    })),
    timings: { inference: 0.42 },
    seed: 42,
    has_nsfw_concepts: Array.from({ length: count }, () => false),
    prompt: (input as { prompt?: unknown } | null)?.prompt ?? '',
  });
}
