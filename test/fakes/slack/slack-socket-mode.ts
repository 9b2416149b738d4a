import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

// Slack's Socket Mode: the app asks apps.connections.open (with its app-level xapp- token) for a
// WebSocket URL, Slack greets the connection with `hello`, then sends envelopes
// ({envelope_id, type, payload, accepts_response_payload}) that the app acknowledges by sending
// {envelope_id, payload?} back; the payload of an acknowledgement is the message, as over HTTP.

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface Acknowledgement {
  envelopeId: string;
  payload?: Record<string, unknown>;
  /** From sending the envelope to receiving its acknowledgement. */
  latencyMs: number;
}

export class SocketModeLink {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, { resolve: (ack: Acknowledgement) => void; sentAt: number }>();

  constructor(private readonly appId: string) {}

  /** apps.connections.open: a one-time WebSocket URL. */
  openUrl(baseUrl: string): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${baseUrl.replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=${this.appId}`;
  }

  /** The HTTP server's `upgrade` handler for /link/. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'http://fake.slack').searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data) => this.onAck(String(data)));
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: this.sockets.size,
          debug_info: { host: 'fake-slack', approximate_connection_time: 18060 },
          connection_info: { app_id: this.appId },
        }),
      );
    });
  }

  get connections(): number {
    return this.sockets.size;
  }

  private onAck(text: string): void {
    const message = JSON.parse(text) as { envelope_id?: string; payload?: Record<string, unknown> };
    const waiting = message.envelope_id ? this.pending.get(message.envelope_id) : undefined;
    if (!waiting || !message.envelope_id) return;
    this.pending.delete(message.envelope_id);
    waiting.resolve({
      envelopeId: message.envelope_id,
      ...(message.payload && Object.keys(message.payload).length > 0 ? { payload: message.payload } : {}),
      latencyMs: performance.now() - waiting.sentAt,
    });
  }

  /** Sends one envelope over an open connection and resolves with the app's acknowledgement. */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, retryAttempt = 0): Promise<Acknowledgement> {
    const socket = [...this.sockets][0];
    if (!socket) throw new Error('no Socket Mode connection is open');
    const envelopeId = randomUUID();
    const acked = new Promise<Acknowledgement>((resolve) => {
      this.pending.set(envelopeId, { resolve, sentAt: performance.now() });
    });
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        retry_attempt: retryAttempt,
        retry_reason: retryAttempt ? 'timeout' : '',
      }),
    );
    return acked;
  }

  close(): void {
    for (const socket of this.sockets) socket.terminate();
    this.server.close();
  }
}
