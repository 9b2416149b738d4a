/**
 * `FAL_API_ROOT` support. The fal client only talks to fixed https hosts (queue.fal.run, rest.fal.ai,
 * *.fal.media), so pointing it at another server (a proxy, a self-hosted gateway, the test fake) is
 * done by rewriting `https://HOST/PATH` to `${apiRoot}/HOST/PATH` in the `fetch` the client uses.
 * Only fal's own hosts are rewritten; anything else passes through untouched.
 */
export const FAL_HOST = /(^|\.)fal\.(run|ai|media)$/;

export function rewriteFalUrl(url: string, apiRoot: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:' || !FAL_HOST.test(u.hostname)) return url;
  return `${apiRoot.replace(/\/+$/, '')}/${u.host}${u.pathname}${u.search}`;
}

/**
 * A `fetch` that sends fal's `https://HOST/PATH` to `${apiRoot}/HOST/PATH`; with no `apiRoot` it is
 * `baseFetch` itself.
 */
export function createFalFetch(apiRoot?: string, baseFetch: typeof fetch = globalThis.fetch): typeof fetch {
  if (!apiRoot) return baseFetch;
  return (input, init) => {
    if (input instanceof Request) {
      return baseFetch(new Request(rewriteFalUrl(input.url, apiRoot), input), init);
    }
    return baseFetch(rewriteFalUrl(input instanceof URL ? input.href : input, apiRoot), init);
  };
}
