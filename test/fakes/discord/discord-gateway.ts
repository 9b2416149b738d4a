// The gateway WebSocket: HELLO -> IDENTIFY -> READY (session_id, resume_gateway_url) -> dispatches
// with increasing sequence numbers; heartbeats and their ACKs; a session survives a dropped connection
// and RESUME replays what was dispatched meanwhile. JSON encoding without transport compression.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import {
  API_VERSION,
  GatewayClose,
  GatewayOp,
  Intent,
  isKnownIntentSet,
  PRIVILEGED_INTENTS,
} from './discord-protocol';

type Json = Record<string, unknown>;

export interface Dispatch {
  s: number;
  t: string;
  d: unknown;
}

export interface GatewaySession {
  id: string;
  intents: number;
  shard: [number, number];
  /** Sequence number of the last dispatch in this session. */
  seq: number;
  /** Every dispatch of the session, oldest first (RESUME replays from here). */
  dispatched: Dispatch[];
  socket: WebSocket | null;
  /** False once the bot closed normally (1000/1001) or the fake invalidated it. */
  resumable: boolean;
}

export interface GatewayOptions {
  token: string;
  heartbeatIntervalMs: number;
  /** Privileged intents enabled for the application; identifying with any other is refused (4014). */
  privilegedIntents: number;
  /** The READY `d` for a new session (user, guilds as unavailable, application). */
  readyData(session: GatewaySession): Json;
  /** GUILD_CREATE payloads that follow READY when the Guilds intent is set, with the guild ids. */
  guildCreates(): { guildId: string; data: Json }[];
  /** Called on every IDENTIFY (session_start_limit bookkeeping). */
  onIdentify(): void;
}

interface Connection {
  socket: WebSocket;
  session: GatewaySession | null;
}

export class DiscordGateway extends EventEmitter {
  readonly sessions: GatewaySession[] = [];
  readonly stats = { connections: 0, identifies: 0, resumes: 0, heartbeats: 0, invalidSessions: 0 };
  /** Path of every connection (`/gateway` or `/gateway-resume`), in order. */
  readonly connectionPaths: string[] = [];
  /** Every RESUME received: the session and the last sequence number the client had seen. */
  readonly resumeRequests: { sessionId: string; seq: number }[] = [];
  /** Set by the server once it listens: `ws://127.0.0.1:PORT`. */
  origin = '';
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();

  constructor(private readonly options: GatewayOptions) {
    super();
    this.setMaxListeners(0);
  }

  get url(): string {
    return `${this.origin}/gateway`;
  }

  /** Resumes go to a different URL, as on Discord: a client that ignores resume_gateway_url is caught. */
  get resumeUrl(): string {
    return `${this.origin}/gateway-resume`;
  }

  /** Accepts upgrades on /gateway and /gateway-resume; returns false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'ws://gateway');
    if (url.pathname !== '/gateway' && url.pathname !== '/gateway-resume') return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, url));
    return true;
  }

  /** Sends a dispatch to every live session of the shard that owns `guildId` (DMs: shard 0). */
  dispatch(t: string, d: unknown, opts: { guildId?: string | null; intent?: number } = {}): void {
    for (const session of this.sessions) {
      if (!session.resumable || session.shard[0] !== shardFor(opts.guildId ?? null, session.shard[1]))
        continue;
      if (opts.intent !== undefined && (session.intents & opts.intent) === 0) continue;
      this.send(session, t, d);
    }
  }

  /** Sessions currently connected (identified or resumed). */
  liveSessions(): GatewaySession[] {
    return this.sessions.filter((s) => s.resumable && s.socket);
  }

  /**
   * Cuts every connection without a close frame (the client sees 1006). Sessions stay resumable unless
   * `resumable: false` (as when Discord has already dropped them): the RESUME then gets op 9.
   */
  dropConnections(opts: { resumable?: boolean } = {}): void {
    for (const connection of this.connections) {
      if (connection.session) {
        connection.session.socket = null;
        if (opts.resumable === false) connection.session.resumable = false;
      }
      connection.socket.terminate();
    }
    this.emit('change');
  }

  /** Asks every connected client to reconnect and resume (op 7), as Discord does before maintenance. */
  requestReconnect(): void {
    for (const connection of this.connections) {
      if (connection.session) write(connection.socket, GatewayOp.Reconnect, null);
    }
  }

  /** Invalidates every session (op 9); with `resumable: false` the client must identify anew. */
  invalidateSessions(resumable: boolean): void {
    for (const connection of this.connections) {
      if (!connection.session) continue;
      if (!resumable) connection.session.resumable = false;
      this.stats.invalidSessions++;
      write(connection.socket, GatewayOp.InvalidSession, resumable);
    }
  }

  close(): Promise<void> {
    for (const connection of this.connections) connection.socket.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket, url: URL): void {
    const connection: Connection = { socket, session: null };
    this.connections.add(connection);
    this.stats.connections++;
    this.connectionPaths.push(url.pathname);
    socket.on('close', (code) => this.onClose(connection, code));
    socket.on('error', () => socket.terminate());
    if (url.searchParams.get('v') !== String(API_VERSION)) {
      socket.close(GatewayClose.InvalidApiVersion, 'Invalid API version');
      return;
    }
    if ((url.searchParams.get('encoding') ?? 'json') !== 'json' || url.searchParams.has('compress')) {
      socket.close(GatewayClose.DecodeError, 'The fake speaks uncompressed JSON only');
      return;
    }
    socket.on('message', (raw) => this.onMessage(connection, raw));
    write(socket, GatewayOp.Hello, { heartbeat_interval: this.options.heartbeatIntervalMs });
  }

  private onMessage(connection: Connection, raw: RawData): void {
    let payload: { op?: unknown; d?: unknown };
    try {
      payload = JSON.parse(raw.toString());
    } catch {
      connection.socket.close(GatewayClose.DecodeError, 'Error while decoding payload.');
      return;
    }
    switch (payload.op) {
      case GatewayOp.Heartbeat:
        this.stats.heartbeats++;
        write(connection.socket, GatewayOp.HeartbeatAck, null);
        this.emit('change');
        return;
      case GatewayOp.Identify:
        this.identify(connection, (payload.d ?? {}) as Json);
        return;
      case GatewayOp.Resume:
        this.resume(connection, (payload.d ?? {}) as Json);
        return;
      case GatewayOp.PresenceUpdate:
      case GatewayOp.VoiceStateUpdate:
      case GatewayOp.RequestGuildMembers:
        if (!connection.session) connection.socket.close(GatewayClose.NotAuthenticated, 'Not authenticated.');
        return;
      default:
        connection.socket.close(GatewayClose.UnknownOpcode, 'Unknown opcode.');
    }
  }

  private identify(connection: Connection, d: Json): void {
    const socket = connection.socket;
    if (connection.session) {
      socket.close(GatewayClose.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    if (d.token !== this.options.token) {
      socket.close(GatewayClose.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    const intents = d.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || !isKnownIntentSet(intents)) {
      socket.close(GatewayClose.InvalidIntents, 'Invalid intent(s).');
      return;
    }
    if (intents & PRIVILEGED_INTENTS & ~this.options.privilegedIntents) {
      socket.close(GatewayClose.DisallowedIntents, 'Disallowed intent(s).');
      return;
    }
    const shard = (Array.isArray(d.shard) ? d.shard : [0, 1]) as [number, number];
    if (shard.length !== 2 || shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1]) {
      socket.close(GatewayClose.InvalidShard, 'Invalid shard.');
      return;
    }
    this.stats.identifies++;
    this.options.onIdentify();
    const session: GatewaySession = {
      id: randomBytes(16).toString('hex'),
      intents,
      shard,
      seq: 0,
      dispatched: [],
      socket,
      resumable: true,
    };
    this.sessions.push(session);
    connection.session = session;
    this.send(session, 'READY', {
      ...this.options.readyData(session),
      session_id: session.id,
      resume_gateway_url: this.resumeUrl,
      shard,
    });
    if (intents & Intent.Guilds) {
      for (const guild of this.options.guildCreates()) {
        if (shardFor(guild.guildId, shard[1]) === shard[0]) this.send(session, 'GUILD_CREATE', guild.data);
      }
    }
    this.emit('change');
  }

  private resume(connection: Connection, d: Json): void {
    const socket = connection.socket;
    if (d.token !== this.options.token) {
      socket.close(GatewayClose.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    const session = this.sessions.find((s) => s.id === d.session_id);
    this.resumeRequests.push({ sessionId: String(d.session_id), seq: Number(d.seq ?? 0) });
    if (!session?.resumable) {
      this.stats.invalidSessions++;
      write(socket, GatewayOp.InvalidSession, false);
      return;
    }
    const from = Number(d.seq ?? 0);
    if (from > session.seq) {
      socket.close(GatewayClose.InvalidSeq, 'Invalid seq.');
      return;
    }
    this.stats.resumes++;
    session.socket?.terminate();
    session.socket = socket;
    connection.session = session;
    for (const missed of session.dispatched.filter((p) => p.s > from)) writeDispatch(socket, missed);
    this.send(session, 'RESUMED', {});
    this.emit('change');
  }

  private onClose(connection: Connection, code: number): void {
    this.connections.delete(connection);
    const session = connection.session;
    if (session?.socket === connection.socket) {
      session.socket = null;
      // A normal closure ends the session on Discord; anything else (4200, 1006) may be resumed.
      if (code === 1000 || code === 1001) session.resumable = false;
    }
    this.emit('change');
  }

  /** Numbers the dispatch in its session; sends it now, or keeps it for RESUME if disconnected. */
  private send(session: GatewaySession, t: string, d: unknown): void {
    const dispatch: Dispatch = { s: ++session.seq, t, d };
    session.dispatched.push(dispatch);
    if (session.socket) writeDispatch(session.socket, dispatch);
  }
}

/** Discord's shard formula: (guild_id >> 22) % shard_count; DMs arrive on shard 0. */
export function shardFor(guildId: string | null, shardCount: number): number {
  if (!guildId) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

function write(socket: WebSocket, op: number, d: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ op, d, s: null, t: null }));
}

function writeDispatch(socket: WebSocket, p: Dispatch): void {
  if (socket.readyState === socket.OPEN)
    socket.send(JSON.stringify({ op: GatewayOp.Dispatch, d: p.d, s: p.s, t: p.t }));
}
