import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A protocol-faithful fake of the parts of the Stripe API that Atelier uses, driven by the real
 * `stripe` SDK (`new Stripe(key, { host, port, protocol: 'http' })`, i.e. STRIPE_API_URL):
 * Checkout Sessions (create, retrieve), Payment Intents and Charges (retrieve), Refunds (create),
 * Disputes (retrieve). Form-encoded bodies with bracket keys, `Idempotency-Key` replay, Bearer key
 * check, and Stripe's error envelope `{ error: { type, message, code, param } }`.
 *
 * The customer's side (paying, refunding from the dashboard, losing a dispute) is driven by the test
 * through methods on this class, and events are delivered signed with the SDK's own test helper.
 */
export class StripeFake {
  url = '';
  readonly sessions = new Map<string, FakeCheckoutSession>();
  readonly paymentIntents = new Map<string, FakePaymentIntent>();
  readonly charges = new Map<string, FakeCharge>();
  readonly refunds = new Map<string, FakeRefund>();
  readonly disputes = new Map<string, FakeDispute>();
  /** Every API call, as `METHOD /path`. */
  readonly calls: string[] = [];

  private failNextCreate: { status: number; error: Record<string, string> } | null = null;
  private readonly idempotent = new Map<string, { status: number; body: unknown; fingerprint: string }>();
  private readonly signer = new Stripe('sk_test_signer_only');
  private server?: Server;

  constructor(
    readonly secretKey = 'sk_test_fake_atelier',
    readonly webhookSecret = `whsec_${randomBytes(16).toString('hex')}`,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        send(res, 500, { error: { type: 'api_error', message: String(error) } });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Environment for core: point the SDK here and share the webhook secret. */
  env(): Record<string, string> {
    return {
      STRIPE_SECRET_KEY: this.secretKey,
      STRIPE_WEBHOOK_SECRET: this.webhookSecret,
      STRIPE_API_URL: this.url,
    };
  }

  // --- The customer's and the dashboard's side --------------------------------------------------

  /**
   * The customer pays a session: a payment intent and a charge with a receipt appear. With
   * `async: true` (a bank debit) the session completes unpaid and `settleAsync` pays it later.
   */
  pay(sessionId: string, opts: { async?: boolean } = {}): FakeCheckoutSession {
    const session = this.mustSession(sessionId);
    const pi: FakePaymentIntent = {
      id: id('pi'),
      object: 'payment_intent',
      amount: session.amount_total,
      currency: session.currency,
      status: opts.async ? 'processing' : 'succeeded',
      latest_charge: null,
      metadata: { ...session.payment_intent_metadata },
    };
    this.paymentIntents.set(pi.id, pi);
    session.payment_intent = pi.id;
    session.status = 'complete';
    session.payment_status = opts.async ? 'unpaid' : 'paid';
    if (!opts.async) this.charge(pi);
    return session;
  }

  /** An async payment (e.g. SEPA debit) finally succeeds. */
  settleAsync(sessionId: string): FakeCheckoutSession {
    const session = this.mustSession(sessionId);
    const pi = this.paymentIntents.get(session.payment_intent ?? '');
    if (!pi) throw new Error(`session ${sessionId} was not paid`);
    pi.status = 'succeeded';
    this.charge(pi);
    session.payment_status = 'paid';
    return session;
  }

  /** The next Checkout Session create answers with this Stripe error (status and `error` body). */
  failNextCheckout(status: number, error: { type: string; message: string; code?: string }): void {
    this.failNextCreate = { status, error };
  }

  /** The session's link expires unpaid. */
  expire(sessionId: string): FakeCheckoutSession {
    const session = this.mustSession(sessionId);
    session.status = 'expired';
    return session;
  }

  /** The charge behind a paid session. */
  chargeOf(sessionId: string): FakeCharge {
    const pi = this.paymentIntents.get(this.mustSession(sessionId).payment_intent ?? '');
    const charge = pi?.latest_charge ? this.charges.get(pi.latest_charge) : undefined;
    if (!charge) throw new Error(`session ${sessionId} has no charge`);
    return charge;
  }

  /** The customer disputes the charge, and the merchant loses. */
  loseDispute(chargeId: string): FakeDispute {
    const charge = this.charges.get(chargeId);
    if (!charge) throw new Error(`no charge ${chargeId}`);
    const dispute: FakeDispute = {
      id: id('dp'),
      object: 'dispute',
      amount: charge.amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      status: 'lost',
      reason: 'fraudulent',
    };
    charge.disputed = true;
    this.disputes.set(dispute.id, dispute);
    return dispute;
  }

  /** An event as Stripe would send it, with `object` a snapshot of the resource. */
  event(type: string, object: { id: string }): { id: string; body: string } {
    const eventId = id('evt');
    const body = JSON.stringify({
      id: eventId,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      type,
      livemode: false,
      pending_webhooks: 1,
      data: { object: structuredClone(object) },
    });
    return { id: eventId, body };
  }

  /** The `Stripe-Signature` header for a payload, made by the SDK's own test helper. */
  sign(payload: string, opts: { secret?: string; timestamp?: number } = {}): string {
    return this.signer.webhooks.generateTestHeaderString({
      payload,
      secret: opts.secret ?? this.webhookSecret,
      ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
    });
  }

  /** POSTs a signed event to a webhook endpoint, as Stripe does; returns the HTTP status. */
  async deliver(
    endpoint: string,
    event: { body: string },
    opts: { signature?: string } = {},
  ): Promise<{ status: number; text: string }> {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': opts.signature ?? this.sign(event.body),
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
      body: event.body,
    });
    return { status: res.status, text: await res.text() };
  }

  // --- The API ----------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stripe.fake');
    const method = req.method ?? 'GET';
    this.calls.push(`${method} ${url.pathname}`);
    if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
      return send(res, 401, {
        error: {
          type: 'invalid_request_error',
          message: 'Invalid API Key provided: sk_****',
        },
      });
    }
    const raw = await readAll(req);
    const params = method === 'GET' ? parseForm(url.searchParams) : parseForm(new URLSearchParams(raw));
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string' && method === 'POST') {
      const fingerprint = `${url.pathname}?${raw}`;
      const seen = this.idempotent.get(key);
      if (seen) {
        if (seen.fingerprint !== fingerprint) {
          return send(res, 400, {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          });
        }
        res.setHeader('idempotent-replayed', 'true');
        return send(res, seen.status, seen.body);
      }
      const [status, body] = this.route(method, url.pathname, params);
      // Like Stripe: a request refused before the endpoint ran (validation) saves no idempotent result.
      if (status === 200) this.idempotent.set(key, { status, body, fingerprint });
      return send(res, status, body);
    }
    const [status, body] = this.route(method, url.pathname, params);
    return send(res, status, body);
  }

  private route(method: string, path: string, params: FormValue): [number, unknown] {
    const p = params as Record<string, FormValue>;
    const segments = path.split('/').filter(Boolean);
    const [version, resource, sub, third] = segments;
    if (version !== 'v1') return notFoundPath(path);
    if (resource === 'checkout' && sub === 'sessions') {
      if (method === 'POST' && third === undefined) return this.createSession(p);
      if (method === 'GET' && third) return found(this.sessions.get(third), 'checkout.session', third);
    }
    if (method === 'GET' && resource === 'payment_intents' && sub) {
      return found(this.paymentIntents.get(sub), 'payment_intent', sub);
    }
    if (method === 'GET' && resource === 'charges' && sub) return found(this.charges.get(sub), 'charge', sub);
    if (method === 'GET' && resource === 'disputes' && sub)
      return found(this.disputes.get(sub), 'dispute', sub);
    if (method === 'POST' && resource === 'refunds' && !sub) return this.createRefund(p);
    return notFoundPath(path);
  }

  private createSession(p: Record<string, FormValue>): [number, unknown] {
    if (this.failNextCreate) {
      const { status, error } = this.failNextCreate;
      this.failNextCreate = null;
      return [status, { error }];
    }
    if (p.mode !== 'payment') return invalid('mode', 'This fake supports mode=payment only.');
    const items = Array.isArray(p.line_items) ? (p.line_items as Record<string, FormValue>[]) : [];
    if (items.length === 0) return invalid('line_items', 'Missing required param: line_items.');
    let amount = 0;
    let currency = '';
    for (const item of items) {
      const price = item.price_data as Record<string, FormValue> | undefined;
      const unit = Number(price?.unit_amount);
      const quantity = Number(item.quantity ?? 1);
      if (!price || !Number.isInteger(unit) || unit < 0) {
        return invalid('line_items[0][price_data][unit_amount]', 'Invalid integer: unit_amount.');
      }
      if (typeof price.currency !== 'string') {
        return invalid('line_items[0][price_data][currency]', 'Missing required param: currency.');
      }
      amount += unit * quantity;
      currency = price.currency;
    }
    if (typeof p.success_url !== 'string')
      return invalid('success_url', 'Missing required param: success_url.');
    const sessionId = id('cs_test');
    const pid = p.payment_intent_data as Record<string, FormValue> | undefined;
    const session: FakeCheckoutSession = {
      id: sessionId,
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: amount,
      currency,
      client_reference_id: typeof p.client_reference_id === 'string' ? p.client_reference_id : null,
      metadata: stringRecord(p.metadata),
      payment_intent_metadata: stringRecord(pid?.metadata),
      payment_intent: null,
      success_url: p.success_url.replace('{CHECKOUT_SESSION_ID}', sessionId),
      cancel_url: typeof p.cancel_url === 'string' ? p.cancel_url : null,
      url: `${this.url}/pay/${sessionId}`,
      livemode: false,
    };
    this.sessions.set(sessionId, session);
    return [200, session];
  }

  private createRefund(p: Record<string, FormValue>): [number, unknown] {
    const byIntent =
      typeof p.payment_intent === 'string' ? this.paymentIntents.get(p.payment_intent) : undefined;
    const chargeId = byIntent?.latest_charge ?? (typeof p.charge === 'string' ? p.charge : undefined);
    const charge = chargeId ? this.charges.get(chargeId) : undefined;
    if (!charge) {
      return [
        404,
        {
          error: {
            type: 'invalid_request_error',
            code: 'resource_missing',
            param: p.payment_intent ? 'payment_intent' : 'charge',
            message: 'No such charge or payment intent',
          },
        },
      ];
    }
    const remaining = charge.amount - charge.amount_refunded;
    const amount = p.amount === undefined ? remaining : Number(p.amount);
    if (!Number.isInteger(amount) || amount <= 0 || amount > remaining) {
      return [
        400,
        {
          error: {
            type: 'invalid_request_error',
            code: 'amount_too_large',
            param: 'amount',
            message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
          },
        },
      ];
    }
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    const refund: FakeRefund = {
      id: id('re'),
      object: 'refund',
      amount,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      currency: charge.currency,
      status: 'succeeded',
    };
    this.refunds.set(refund.id, refund);
    return [200, refund];
  }

  private charge(pi: FakePaymentIntent): FakeCharge {
    const charge: FakeCharge = {
      id: id('ch'),
      object: 'charge',
      amount: pi.amount,
      amount_refunded: 0,
      currency: pi.currency,
      paid: true,
      refunded: false,
      disputed: false,
      payment_intent: pi.id,
      receipt_url: `${this.url}/receipts/${randomBytes(8).toString('hex')}`,
    };
    this.charges.set(charge.id, charge);
    pi.latest_charge = charge.id;
    return charge;
  }

  private mustSession(sessionId: string): FakeCheckoutSession {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no checkout session ${sessionId}`);
    return session;
  }
}

export interface FakeCheckoutSession {
  id: string;
  object: 'checkout.session';
  mode: 'payment';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid';
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  /** Not part of Stripe's session object: what the payment intent will carry. */
  payment_intent_metadata: Record<string, string>;
  payment_intent: string | null;
  success_url: string;
  cancel_url: string | null;
  url: string;
  livemode: false;
}

export interface FakePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  currency: string;
  status: 'processing' | 'succeeded';
  latest_charge: string | null;
  metadata: Record<string, string>;
}

export interface FakeCharge {
  id: string;
  object: 'charge';
  amount: number;
  amount_refunded: number;
  currency: string;
  paid: boolean;
  refunded: boolean;
  disputed: boolean;
  payment_intent: string;
  receipt_url: string;
}

export interface FakeRefund {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  payment_intent: string;
  currency: string;
  status: 'succeeded';
}

export interface FakeDispute {
  id: string;
  object: 'dispute';
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  status: 'lost' | 'won' | 'needs_response';
  reason: string;
}

type FormValue = string | FormValue[] | { [key: string]: FormValue };

/** Stripe's form encoding: `a[b][0][c]=v` nests into objects, numeric keys into arrays. */
export function parseForm(params: URLSearchParams): FormValue {
  const root: Record<string, FormValue> = {};
  for (const [key, value] of params) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Record<string, FormValue> = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) {
        node[part] = value;
        return;
      }
      if (node[part] === undefined) node[part] = {};
      node = node[part] as Record<string, FormValue>;
    });
  }
  return arrays(root);
}

function arrays(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted = Object.fromEntries(keys.map((k) => [k, arrays(value[k]!)]));
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => converted[k]!);
  return converted;
}

function stringRecord(value: FormValue | undefined): Record<string, string> {
  if (!value || typeof value === 'string' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

function found(object: unknown, kind: string, requested: string): [number, unknown] {
  if (object) return [200, object];
  return [
    404,
    {
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'id',
        message: `No such ${kind}: '${requested}'`,
      },
    },
  ];
}

const invalid = (param: string, message: string): [number, unknown] => [
  400,
  { error: { type: 'invalid_request_error', param, message } },
];

const notFoundPath = (path: string): [number, unknown] => [
  404,
  { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${path}).` } },
];

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_${randomBytes(8).toString('hex')}`,
    'stripe-version': '2026-10-28.endive',
  });
  res.end(payload);
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
