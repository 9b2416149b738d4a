import type { Logger } from '../logger';
import { createDemoProvider } from './demo/demo.provider';
import { createFalProvider } from './fal/fal.provider';
import type { GenerationProvider } from './provider';

export { createDemoProvider, type DemoProviderOptions } from './demo/demo.provider';
export { createFalProvider, type FalProviderOptions } from './fal/fal.provider';
export { createFalFetch, rewriteFalUrl } from './fal/fal-fetch';
export {
  createFalWebhookVerifier,
  DEFAULT_FAL_JWKS_URL,
  type FalWebhookBody,
  type FalWebhookVerification,
  type FalWebhookVerifier,
} from './fal/fal-webhook';
export { type ExtractedOutputs, extractOutputs, nsfwFlags, type OutputFile } from './outputs';
export * from './provider';

export interface CreateProviderOptions {
  /** FAL_KEY; without it the offline demo provider answers. */
  falKey?: string;
  /** FAL_API_ROOT. */
  falApiRoot?: string;
  /** FAL_OUTPUT_HOSTS. */
  falOutputHosts?: readonly string[];
  logger: Logger;
}

export const DEMO_PROVIDER_WARNING =
  'FAL_KEY is not set: using the offline demo provider; outputs are labelled demo images/audio';

let warnedAboutDemo = false;

/** fal when FAL_KEY is set, else the offline demo provider (said once, loudly). */
export function createProvider({
  falKey,
  falApiRoot,
  falOutputHosts,
  logger,
}: CreateProviderOptions): GenerationProvider {
  if (falKey) {
    return createFalProvider({
      key: falKey,
      ...(falApiRoot ? { apiRoot: falApiRoot } : {}),
      ...(falOutputHosts ? { extraOutputHosts: falOutputHosts } : {}),
      logger,
    });
  }
  if (!warnedAboutDemo) {
    warnedAboutDemo = true;
    logger.warn(DEMO_PROVIDER_WARNING);
  }
  return createDemoProvider({ logger });
}
