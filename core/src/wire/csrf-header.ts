/**
 * The web app sends this header (any value) with every mutation. Core refuses a mutation that rides
 * on the session cookie without it: a cross-site page cannot add a custom header without a CORS
 * preflight, which core never grants. Requests with an Authorization header do not need it.
 */
export const CSRF_HEADER = 'x-atelier-csrf';
