/**
 * What the generation pipeline needs from a model host. `fal` is the real one; `demo` answers offline
 * (no FAL_KEY) with real, clearly labelled files so the whole pipeline runs without a network.
 */
export type ProviderName = 'fal' | 'demo';

export interface SubmitRequest {
  /** fal endpoint id, e.g. 'fal-ai/flux-1/schnell'. */
  endpoint: string;
  /** Validated model input, file fields already replaced by URLs the provider can fetch. */
  input: Record<string, unknown>;
  /** Where the provider should POST the completion webhook (only when PUBLIC_URL is set). */
  webhookUrl?: string;
}

export type ProviderStatus =
  | { state: 'queued'; queuePosition: number | null; logs: string[] }
  | { state: 'running'; progress: number | null; logs: string[] }
  | { state: 'completed'; logs: string[] }
  /** The request failed at the provider; `reason` is a sentence a person can read. */
  | { state: 'failed'; reason: string; retryable: boolean };

/** The provider's result JSON for a finished request, as returned by its API. */
export type ProviderResult =
  | { ok: true; output: unknown }
  | { ok: false; reason: string; retryable: boolean };

export interface GenerationProvider {
  readonly name: ProviderName;
  /** `queuePosition`: the provider's place in its queue when it says so at once (fal does). */
  submit(request: SubmitRequest): Promise<{ requestId: string; queuePosition?: number | null }>;
  status(endpoint: string, requestId: string): Promise<ProviderStatus>;
  result(endpoint: string, requestId: string): Promise<ProviderResult>;
  cancel(endpoint: string, requestId: string): Promise<void>;
  /** Makes our bytes reachable by the provider (fal storage upload); returns the URL to put in the input. */
  uploadInput(bytes: Buffer, contentType: string, fileName: string): Promise<string>;
  /** Downloads an output file the result points at (size- and time-capped). */
  downloadOutput(url: string, maxBytes: number): Promise<{ bytes: Buffer; contentType: string | null }>;
}

/** A transient provider problem (5xx, timeout, rate limit): the job layer retries with backoff. */
export class ProviderUnavailableError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}

/** The provider refused the request for good (4xx, validation): the job fails and the hold is released. */
export class ProviderRejectedError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'ProviderRejectedError';
  }
}
