// The real client only talks to fixed https hosts; tests and the app's provider point it at a local fake
// by prefixing the path with the original host. Only fal's own hosts are redirected, so anything else
// (e.g. a webhook receiver) passes through untouched.
export const FAL_HOST = /(^|\.)fal\.(run|ai|media)$/;

export function rewriteFalUrl(url: string, apiRoot: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:' || !FAL_HOST.test(u.hostname)) return url;
  return `${apiRoot.replace(/\/+$/, '')}/${u.host}${u.pathname}${u.search}`;
}

/** A `fetch` for the client's `fetch` option that sends `https://HOST/PATH` to `${apiRoot}/HOST/PATH`. */
export function falFetch(apiRoot: string, baseFetch: typeof fetch = globalThis.fetch): typeof fetch {
  return (input, init) => {
    if (input instanceof Request) {
      return baseFetch(new Request(rewriteFalUrl(input.url, apiRoot), input), init);
    }
    return baseFetch(rewriteFalUrl(input instanceof URL ? input.href : input, apiRoot), init);
  };
}
