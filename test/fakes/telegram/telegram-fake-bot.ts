// One bot account inside the fake: its Bot API methods (what grammy calls), its update queue / webhook
// delivery, the messages it can see per chat, and the "user side" actions tests use to talk to it.
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type {
  BotCommand,
  BotCommandScope,
  CallbackQuery,
  Chat,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  ReplyParameters,
  ResponseParameters,
  Update,
  User,
  UserFromGetMe,
} from 'grammy/types';
import type { FileStore, MediaKind, SentMedia } from './telegram-fake';
import { ApiRefusal, type ChatMembers } from './telegram-fake-members';
import {
  EntityParseError,
  type FormattedText,
  formatText,
  textLength,
  withAutoEntities,
} from './telegram-fake-text';

export type Params = Record<string, unknown>;
export interface Upload {
  field: string;
  filename: string;
  bytes: Buffer;
}
export interface ApiErrorSpec {
  error_code: number;
  description: string;
  parameters?: ResponseParameters;
}
export type ApiResponse =
  | { ok: true; result: unknown; description?: string }
  | ({ ok: false } & ApiErrorSpec);

export class TelegramApiError extends Error {
  constructor(
    readonly error_code: number,
    readonly description: string,
    readonly parameters?: ResponseParameters,
  ) {
    super(description);
  }
}
export const bad = (what: string) => new TelegramApiError(400, `Bad Request: ${what}`);
const NOT_MODIFIED = bad(
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
);

/** One recorded Bot API request (in completion order). */
export interface ApiCall {
  method: string;
  params: Params;
  uploads: Upload[];
  response: ApiResponse;
  via: 'http' | 'webhook-reply';
  at: number;
}
/** A version of a message the bot sent: the original, then one per successful edit. */
export interface MessageVersion {
  method: string;
  message: Message;
  /** reply_markup exactly as the bot passed it (reply keyboards too; Message.reply_markup only keeps inline ones). */
  reply_markup?: unknown;
  parse_mode?: string;
  media?: SentMedia;
  at: number;
}
/** Inspection view of one message the bot sent. */
export interface SentMessage {
  chatId: number;
  message_id: number;
  method: string;
  kind: 'text' | MediaKind;
  text?: string;
  caption?: string;
  entities?: MessageEntity[];
  parse_mode?: string;
  reply_markup?: unknown;
  media?: SentMedia;
  media_group_id?: string;
  reply_to_message_id?: number;
  deleted: boolean;
  /** Earlier versions, oldest first (empty if never edited). */
  history: MessageVersion[];
  /** Current state as Telegram would return it. */
  message: Message;
}
export interface WebhookDelivery {
  update_id: number;
  url: string;
  status: number;
  ok: boolean;
  error?: string;
  at: number;
}
export interface CallbackAnswer {
  text?: string;
  show_alert: boolean;
  url?: string;
  cache_time?: number;
}
export interface UserMessageResult {
  update: Update;
  message: Message;
  /** False when privacy mode or allowed_updates kept the update from the bot (it still exists in the chat). */
  delivered: boolean;
}
export interface FakeBotOptions {
  token?: string;
  username?: string;
  first_name?: string;
  /** getMe.can_read_all_group_messages; false = privacy mode (default, like Telegram). */
  canReadAllGroupMessages?: boolean;
  canJoinGroups?: boolean;
}
export interface ChatEntry {
  chat: Chat;
  botIsAdmin: boolean;
}
/** What a bot needs from the surrounding fake. */
export interface FakeWorld {
  readonly files: FileStore;
  readonly members: ChatMembers;
  chat(ref: number | string): ChatEntry | undefined;
  changed(): void;
  readonly webhookRetryMs: number;
}

type ChatRef = Chat | number;
type MessageRef = Message | number;
interface StoredMessage {
  chatId: number;
  outgoing: boolean;
  deleted: boolean;
  versions: MessageVersion[];
}
interface QueueEntry {
  update: Update;
  redelivered: boolean;
  delivered: boolean;
}
interface Poller {
  wake(): void;
  fail(error: TelegramApiError): void;
}
interface WebhookState {
  url: string;
  secret_token?: string;
  max_connections: number;
  ip_address?: string;
  last_error_date?: number;
  last_error_message?: string;
}
class Described {
  constructor(
    readonly result: unknown,
    readonly description: string,
  ) {}
}
type Handler = (p: Params, uploads: Map<string, Upload>, signal: AbortSignal) => unknown;

const DEFAULT_ALLOWED = ['chat_member', 'message_reaction', 'message_reaction_count'];
const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);
const BUTTON_ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
];
const MEDIA_FIELDS = ['photo', 'video', 'audio', 'document', 'animation'] as const;
const now = () => Math.floor(Date.now() / 1000);

// ------------------------------------------------------------------------------------ param helpers
const str = (p: Params, k: string) => {
  const v = p[k];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
};
const int = (p: Params, k: string) => {
  const v = p[k];
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  return typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : undefined;
};
const bool = (p: Params, k: string) => p[k] === true || p[k] === 'true' || p[k] === 1 || p[k] === '1';
function obj<T>(p: Params, k: string, parseError = `can't parse ${k} JSON object`): T | undefined {
  let v = p[k];
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw bad(parseError);
    }
  }
  return v === undefined || v === null ? undefined : (v as T);
}
/** JSON.stringify with sorted keys, for "is this the same content" comparisons. */
const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );
const clone = <T>(v: T): T => structuredClone(v);
const withoutReply = (m: Message): Message => {
  const { reply_to_message: _drop, ...rest } = m;
  return rest as Message;
};
const updateType = (u: Update) => Object.keys(u).find((k) => k !== 'update_id') ?? '';

export class FakeBot {
  readonly token: string;
  readonly user: UserFromGetMe;
  private readonly logs = new Map<number, { nextId: number; byId: Map<number, StoredMessage> }>();
  private queue: QueueEntry[] = [];
  private readonly history = new Map<number, Update>();
  private nextUpdateId = 1;
  private poller: Poller | undefined;
  private allowed: string[] | undefined;
  private webhook: WebhookState | undefined;
  private pumping = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly callLog: ApiCall[] = [];
  private readonly commandSets = new Map<string, BotCommand[]>();
  private readonly queries = new Map<string, { query: CallbackQuery; answer?: CallbackAnswer }>();
  private readonly actions: Array<{ chatId: number; action: string }> = [];
  private readonly deliveries: WebhookDelivery[] = [];
  private readonly failures = new Map<string, ApiErrorSpec[]>();
  private readonly blocked = new Set<number>();
  private readonly settings = new Map<string, unknown>();

  constructor(
    private readonly world: FakeWorld,
    id: number,
    opts: FakeBotOptions = {},
  ) {
    this.token = opts.token ?? `${id}:AA${randomBytes(24).toString('base64url').slice(0, 33)}`;
    const tokenId = Number(this.token.split(':')[0]);
    this.user = {
      id: Number.isSafeInteger(tokenId) && tokenId > 0 ? tokenId : id,
      is_bot: true,
      first_name: opts.first_name ?? 'Atelier Test Bot',
      username: opts.username ?? `atelier_test_${id}_bot`,
      can_join_groups: opts.canJoinGroups ?? true,
      can_read_all_group_messages: opts.canReadAllGroupMessages ?? false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
    // Membership lives in the world (shared by every bot): getChatMember and friends read it there.
    for (const [name, method] of Object.entries(world.members.methods)) {
      this.methods[name] = (p: Params) => {
        try {
          return method(p);
        } catch (error) {
          throw error instanceof ApiRefusal ? bad(error.description) : error;
        }
      };
    }
    this.methodIndex = new Map(Object.keys(this.methods).map((m) => [m.toLowerCase(), m]));
  }

  // =============================================================================== HTTP entry point

  /** The bot as it appears in Message.from (a plain User, not the getMe object). */
  private get sender(): User {
    const { id, is_bot, first_name, username } = this.user;
    return { id, is_bot, first_name, username };
  }

  private readonly methods: Record<string, Handler> = {
    getMe: () => this.user,
    getUpdates: (p, _u, signal) => this.getUpdates(p, signal),
    setWebhook: (p) => this.setWebhook(p),
    deleteWebhook: (p) => {
      if (bool(p, 'drop_pending_updates')) this.queue = [];
      const had = this.webhook !== undefined;
      this.stopWebhook();
      return new Described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
    },
    getWebhookInfo: () => ({
      url: this.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.queue.length,
      ...(this.webhook && {
        max_connections: this.webhook.max_connections,
        ...(this.webhook.ip_address && { ip_address: this.webhook.ip_address }),
        ...(this.webhook.last_error_date && {
          last_error_date: this.webhook.last_error_date,
          last_error_message: this.webhook.last_error_message,
        }),
        ...(this.allowed && { allowed_updates: this.allowed }),
      }),
    }),
    sendMessage: (p) => this.sendMessage(p),
    sendPhoto: (p, u) => this.sendMedia('photo', p, u),
    sendVideo: (p, u) => this.sendMedia('video', p, u),
    sendAudio: (p, u) => this.sendMedia('audio', p, u),
    sendDocument: (p, u) => this.sendMedia('document', p, u),
    sendAnimation: (p, u) => this.sendMedia('animation', p, u),
    sendMediaGroup: (p, u) => this.sendMediaGroup(p, u),
    sendChatAction: (p) => {
      const chat = this.targetChat(p);
      const action = str(p, 'action') ?? '';
      if (!CHAT_ACTIONS.has(action)) throw bad('wrong parameter action in request');
      this.actions.push({ chatId: chat.id, action });
      return true;
    },
    editMessageText: (p) => this.editText(p),
    editMessageCaption: (p) => this.editCaption(p),
    editMessageMedia: (p, u) => this.editMedia(p, u),
    editMessageReplyMarkup: (p) => {
      const stored = this.editTarget(p);
      const markup = this.markup(p);
      const cur = this.current(stored);
      if (stable(cur.message.reply_markup ?? null) === stable(markup.inline ?? null)) throw NOT_MODIFIED;
      return this.pushVersion(
        stored,
        'editMessageReplyMarkup',
        this.applyMarkup(cur.message, markup.inline),
        {
          reply_markup: markup.raw,
          media: cur.media,
          parse_mode: cur.parse_mode,
        },
      );
    },
    deleteMessage: (p) => {
      const chat = this.targetChat(p);
      const id = int(p, 'message_id');
      if (id === undefined) throw bad('message identifier is not specified');
      const stored = this.log(chat.id).byId.get(id);
      if (!stored || stored.deleted) throw bad('message to delete not found');
      if (!this.canDelete(chat, stored)) throw bad("message can't be deleted");
      stored.deleted = true;
      return true;
    },
    deleteMessages: (p) => {
      const chat = this.targetChat(p);
      const ids = obj<number[]>(p, 'message_ids');
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100)
        throw bad('message identifiers are invalid');
      for (const id of ids) {
        const stored = this.log(chat.id).byId.get(Number(id));
        if (stored && !stored.deleted && this.canDelete(chat, stored)) stored.deleted = true;
      }
      return true;
    },
    answerCallbackQuery: (p) => {
      const entry = this.queries.get(str(p, 'callback_query_id') ?? '');
      if (!entry || entry.answer) {
        throw bad('query is too old and response timeout expired or query ID is invalid');
      }
      entry.answer = {
        ...(str(p, 'text') !== undefined && { text: str(p, 'text') }),
        show_alert: bool(p, 'show_alert'),
        ...(str(p, 'url') !== undefined && { url: str(p, 'url') }),
        ...(int(p, 'cache_time') !== undefined && { cache_time: int(p, 'cache_time') }),
      };
      return true;
    },
    setMyCommands: (p) => {
      const commands = obj<BotCommand[]>(p, 'commands');
      if (!Array.isArray(commands)) throw bad('parameter "commands" is required');
      if (commands.length > 100) throw bad('too much commands');
      for (const c of commands) {
        if (typeof c?.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command))
          throw bad('BOT_COMMAND_INVALID');
        if (typeof c.description !== 'string' || c.description.trim() === '' || c.description.length > 256) {
          throw bad('command description must be non-empty');
        }
      }
      this.commandSets.set(this.commandKey(p), clone(commands));
      return true;
    },
    getMyCommands: (p) => this.commandSets.get(this.commandKey(p)) ?? [],
    deleteMyCommands: (p) => {
      this.commandSets.delete(this.commandKey(p));
      return true;
    },
    getFile: (p) => {
      const file = this.world.files.get(str(p, 'file_id') ?? '');
      if (!file) throw bad('invalid file_id');
      if (file.file_size > 20 * 1024 * 1024) throw bad('file is too big');
      return {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_size: file.file_size,
        file_path: file.file_path,
      };
    },
    getChat: (p) => ({ ...this.targetChat(p), accent_color_id: 0, max_reaction_count: 11 }),
    setMyName: (p) => this.setting('name', p),
    getMyName: (p) => ({ name: this.settings.get(`name|${str(p, 'language_code') ?? ''}`) ?? '' }),
    setMyDescription: (p) => this.setting('description', p),
    getMyDescription: (p) => ({
      description: this.settings.get(`description|${str(p, 'language_code') ?? ''}`) ?? '',
    }),
    setMyShortDescription: (p) => this.setting('short_description', p),
    getMyShortDescription: (p) => ({
      short_description: this.settings.get(`short_description|${str(p, 'language_code') ?? ''}`) ?? '',
    }),
    setChatMenuButton: (p) => {
      this.settings.set(`menu|${str(p, 'chat_id') ?? ''}`, obj(p, 'menu_button') ?? { type: 'default' });
      return true;
    },
    getChatMenuButton: (p) => this.settings.get(`menu|${str(p, 'chat_id') ?? ''}`) ?? { type: 'commands' },
  };
  private readonly methodIndex: Map<string, string>;

  /** Runs one Bot API method (names are case-insensitive, like Telegram's) and records it. */
  async call(
    method: string,
    params: Params,
    uploads: Upload[] = [],
    signal: AbortSignal = new AbortController().signal,
    via: ApiCall['via'] = 'http',
  ): Promise<ApiResponse> {
    const at = Date.now();
    const name = this.methodIndex.get(method.toLowerCase());
    const handler = name ? this.methods[name] : undefined;
    let response: ApiResponse;
    const injected = name ? this.failures.get(name)?.shift() : undefined;
    if (!name || !handler) response = { ok: false, error_code: 404, description: 'Not Found' };
    else if (injected) response = { ok: false, ...injected };
    else {
      try {
        const result = await handler(params, new Map(uploads.map((u) => [u.field, u])), signal);
        response =
          result instanceof Described
            ? { ok: true, result: result.result, description: result.description }
            : { ok: true, result };
      } catch (error) {
        if (!(error instanceof TelegramApiError)) throw error;
        response = {
          ok: false,
          error_code: error.error_code,
          description: error.description,
          ...(error.parameters && { parameters: error.parameters }),
        };
      }
    }
    this.callLog.push({ method: name ?? method, params, uploads, response, via, at });
    this.world.changed();
    return response;
  }

  // ====================================================================================== updates

  private getUpdates(p: Params, signal: AbortSignal): Update[] | Promise<Update[]> {
    if (this.webhook) {
      throw new TelegramApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = int(p, 'offset');
    const limit = Math.min(100, Math.max(1, int(p, 'limit') ?? 100));
    const timeout = Math.max(0, int(p, 'timeout') ?? 0);
    const allowed = obj<string[]>(p, 'allowed_updates');
    if (Array.isArray(allowed)) this.allowed = allowed.length ? [...allowed] : undefined;
    this.poller?.fail(
      new TelegramApiError(
        409,
        'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      ),
    );
    if (offset !== undefined && offset !== 0) this.confirm(offset);
    const batch = this.takeBatch(limit);
    if (batch.length || timeout === 0 || this.closed) return batch;
    return new Promise<Update[]>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.poller === poller) this.poller = undefined;
      };
      const poller: Poller = {
        wake: () => {
          const next = this.takeBatch(limit);
          if (next.length) {
            done();
            resolve(next);
          }
        },
        fail: (error) => {
          done();
          reject(error);
        },
      };
      const onAbort = () => {
        done();
        resolve([]);
      };
      const timer = setTimeout(onAbort, timeout * 1000);
      signal.addEventListener('abort', onAbort, { once: true });
      this.poller = poller;
    });
  }

  /** offset semantics: every update with a smaller id is confirmed and forgotten; -N keeps the last N. */
  private confirm(offset: number) {
    if (offset < 0) {
      const keep = this.queue.filter((e) => !e.redelivered).slice(offset);
      this.queue = this.queue.filter((e) => e.redelivered || keep.includes(e));
      return;
    }
    this.queue = this.queue.filter((e) =>
      e.redelivered ? !(e.delivered && e.update.update_id < offset) : e.update.update_id >= offset,
    );
  }

  /** Normal updates go out in id order; a re-delivered (duplicate) update always travels alone. */
  private takeBatch(limit: number): Update[] {
    const head = this.queue[0];
    if (!head) return [];
    if (head.redelivered) {
      head.delivered = true;
      return [clone(head.update)];
    }
    const batch: Update[] = [];
    for (const entry of this.queue) {
      if (entry.redelivered || batch.length >= limit) break;
      entry.delivered = true;
      batch.push(clone(entry.update));
    }
    return batch;
  }

  private enqueue(body: object, visible = true): { update: Update; delivered: boolean } {
    const update = { update_id: this.nextUpdateId++, ...body } as Update;
    this.history.set(update.update_id, clone(update));
    const type = updateType(update);
    const allowed = this.allowed ? this.allowed.includes(type) : !DEFAULT_ALLOWED.includes(type);
    const delivered = visible && allowed && !this.closed;
    if (delivered) this.push({ update: clone(update), redelivered: false, delivered: false });
    this.world.changed();
    return { update, delivered };
  }

  private push(entry: QueueEntry) {
    this.queue.push(entry);
    if (this.webhook) void this.pumpWebhook();
    else this.poller?.wake();
  }

  private setWebhook(p: Params) {
    const url = str(p, 'url') ?? '';
    if (bool(p, 'drop_pending_updates')) this.queue = [];
    if (!url) {
      const had = this.webhook !== undefined;
      this.stopWebhook();
      return new Described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw bad('bad webhook: Failed to resolve host: Name or service not known');
    }
    // Real Telegram insists on HTTPS (ports 443/80/88/8443); the fake accepts http:// so tests can use localhost.
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw bad('bad webhook: An HTTPS URL must be provided for webhook');
    }
    const secret = str(p, 'secret_token');
    if (secret && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
      throw bad('bad webhook: secret token contains unallowed characters');
    }
    const allowed = obj<string[]>(p, 'allowed_updates');
    if (Array.isArray(allowed)) this.allowed = allowed.length ? [...allowed] : undefined;
    const same = this.webhook?.url === url;
    this.webhook = {
      url,
      ...(secret && { secret_token: secret }),
      max_connections: int(p, 'max_connections') ?? 40,
      ...(str(p, 'ip_address') && { ip_address: str(p, 'ip_address') }),
    };
    this.poller?.fail(new TelegramApiError(409, 'Conflict: terminated by setWebhook request'));
    setImmediate(() => void this.pumpWebhook());
    return new Described(true, same ? 'Webhook is already set' : 'Webhook was set');
  }

  private stopWebhook() {
    this.webhook = undefined;
    clearTimeout(this.retryTimer);
  }

  /** Delivers queued updates one at a time (max_connections is effectively 1, so order is deterministic). */
  private async pumpWebhook(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.webhook && !this.closed) {
        const entry = this.queue[0];
        if (!entry) break;
        const hook = this.webhook;
        let status = 0;
        let error: string | undefined;
        let body = '';
        try {
          const res = await fetch(hook.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(hook.secret_token && { 'x-telegram-bot-api-secret-token': hook.secret_token }),
            },
            body: JSON.stringify(entry.update),
            signal: AbortSignal.timeout(10_000),
          });
          status = res.status;
          body = await res.text();
        } catch (e) {
          error = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
        }
        const ok = status >= 200 && status < 300;
        this.deliveries.push({
          update_id: entry.update.update_id,
          url: hook.url,
          status,
          ok,
          ...(error && { error }),
          at: Date.now(),
        });
        if (!ok) {
          hook.last_error_date = now();
          hook.last_error_message =
            error ?? `Wrong response from the webhook: ${status} ${STATUS_CODES[status] ?? ''}`.trim();
          this.world.changed();
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => void this.pumpWebhook(), this.world.webhookRetryMs);
          break;
        }
        this.queue = this.queue.filter((e) => e !== entry);
        this.world.changed();
        await this.webhookReply(body);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Telegram executes a method call returned in the webhook response body. */
  private async webhookReply(body: string) {
    let reply: unknown;
    try {
      reply = JSON.parse(body);
    } catch {
      return;
    }
    if (!reply || typeof reply !== 'object' || typeof (reply as Params).method !== 'string') return;
    const { method, ...params } = reply as Params;
    await this.call(method as string, params, [], undefined, 'webhook-reply');
  }

  dispose() {
    this.closed = true;
    this.stopWebhook();
    this.poller?.fail(new TelegramApiError(500, 'Internal Server Error: fake server closed'));
  }

  // ================================================================================ sending / editing

  private targetChat(p: Params): Chat {
    const ref = p.chat_id;
    if (ref === undefined || ref === null || ref === '') throw bad('chat_id is empty');
    const entry = this.world.chat(typeof ref === 'number' ? ref : String(ref));
    if (!entry) throw bad('chat not found');
    return entry.chat;
  }

  private sendableChat(p: Params): Chat {
    const chat = this.targetChat(p);
    if (this.blocked.has(chat.id)) {
      throw new TelegramApiError(
        403,
        chat.type === 'private'
          ? 'Forbidden: bot was blocked by the user'
          : `Forbidden: bot was kicked from the ${chat.type === 'group' ? 'group' : chat.type} chat`,
      );
    }
    return chat;
  }

  private format(
    raw: string,
    parseMode: string | undefined,
    entities: MessageEntity[] | undefined,
  ): FormattedText {
    try {
      return formatText(raw, parseMode, entities);
    } catch (error) {
      if (error instanceof EntityParseError) throw bad(`can't parse entities: ${error.message}`);
      if (error instanceof RangeError) throw bad('unsupported parse_mode');
      throw error;
    }
  }

  private captionOf(p: Params): FormattedText | undefined {
    const raw = str(p, 'caption');
    if (!raw) return undefined;
    const f = this.format(raw, str(p, 'parse_mode'), obj<MessageEntity[]>(p, 'caption_entities'));
    if (textLength(f.text) > 1024) throw bad('message caption is too long');
    return f.text ? f : undefined;
  }

  private markup(p: Params): { raw?: unknown; inline?: InlineKeyboardMarkup } {
    const raw = obj<Params>(p, 'reply_markup', "can't parse reply keyboard markup JSON object");
    if (raw === undefined) return {};
    if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('object expected as reply markup');
    if (!('inline_keyboard' in raw)) return { raw };
    const rows = raw.inline_keyboard;
    if (!Array.isArray(rows))
      throw bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array');
    for (const row of rows) {
      if (!Array.isArray(row))
        throw bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
      for (const button of row as Params[]) {
        if (typeof button?.text !== 'string') {
          throw bad(`can't parse inline keyboard button: Field "text" must be of type String`);
        }
        if (!BUTTON_ACTIONS.some((k) => button[k] !== undefined)) {
          throw bad(`can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard`);
        }
        const data = button.callback_data;
        if (data !== undefined && (typeof data !== 'string' || data === '' || Buffer.byteLength(data) > 64)) {
          throw bad('BUTTON_DATA_INVALID');
        }
      }
    }
    return { raw, inline: raw as unknown as InlineKeyboardMarkup };
  }

  private replyTarget(chatId: number, p: Params): Message | undefined {
    const rp = obj<ReplyParameters>(p, 'reply_parameters');
    const id = rp?.message_id ?? int(p, 'reply_to_message_id');
    if (id === undefined) return undefined;
    const stored = this.log(chatId).byId.get(Number(id));
    if (stored && !stored.deleted) return withoutReply(this.current(stored).message);
    if (rp?.allow_sending_without_reply ?? bool(p, 'allow_sending_without_reply')) return undefined;
    throw bad('message to be replied not found');
  }

  private newMessage(chat: Chat, from: User, content: Partial<Message>, reply?: Message): Message {
    const log = this.log(chat.id);
    return {
      message_id: log.nextId++,
      from,
      chat,
      date: now(),
      ...(reply && { reply_to_message: reply }),
      ...content,
    } as Message;
  }

  private commonFields(p: Params, inline: InlineKeyboardMarkup | undefined): Partial<Message> {
    const preview = obj<Message['link_preview_options']>(p, 'link_preview_options');
    return {
      ...(inline && { reply_markup: inline }),
      ...(bool(p, 'protect_content') && { has_protected_content: true as const }),
      ...(preview && { link_preview_options: preview }),
    };
  }

  private sendMessage(p: Params): Message {
    if (p.chat_id === undefined || p.chat_id === '') throw bad('chat_id is empty');
    const raw = str(p, 'text');
    if (!raw) throw bad('message text is empty');
    const f = this.format(raw, str(p, 'parse_mode'), obj<MessageEntity[]>(p, 'entities'));
    if (!f.text) throw bad('message text is empty');
    if (textLength(f.text) > 4096) throw bad('message is too long');
    const markup = this.markup(p);
    const chat = this.sendableChat(p);
    const reply = this.replyTarget(chat.id, p);
    const message = this.newMessage(
      chat,
      this.sender,
      {
        text: f.text,
        ...(f.entities.length && { entities: f.entities }),
        ...this.commonFields(p, markup.inline),
      },
      reply,
    );
    return this.storeOutgoing(chat.id, 'sendMessage', message, {
      reply_markup: markup.raw,
      parse_mode: str(p, 'parse_mode'),
    });
  }

  private async sendMedia(kind: MediaKind, p: Params, uploads: Map<string, Upload>): Promise<Message> {
    if (p.chat_id === undefined || p.chat_id === '') throw bad('chat_id is empty');
    const caption = this.captionOf(p);
    const markup = this.markup(p);
    const source = this.mediaSource(kind, p[kind], uploads, kind);
    const chat = this.sendableChat(p);
    const reply = this.replyTarget(chat.id, p);
    const { content, media } = await this.world.files.resolve(kind, source, p);
    const message = this.newMessage(
      chat,
      this.sender,
      { ...content, ...captionFields(caption), ...this.commonFields(p, markup.inline) },
      reply,
    );
    const method = `send${kind[0]?.toUpperCase()}${kind.slice(1)}`;
    return this.storeOutgoing(chat.id, method, message, {
      reply_markup: markup.raw,
      parse_mode: str(p, 'parse_mode'),
      media,
    });
  }

  /** attach://name, a multipart part named after the field, a file_id or an http(s) URL. */
  private mediaSource(kind: string, value: unknown, uploads: Map<string, Upload>, field: string) {
    if (typeof value === 'string' && value.startsWith('attach://')) {
      const upload = uploads.get(value.slice('attach://'.length));
      if (!upload)
        throw bad(
          field === kind ? `there is no ${kind} in the request` : "can't parse InputMedia: media not found",
        );
      return checkUpload(upload);
    }
    if (value === undefined && uploads.has(field)) return checkUpload(uploads.get(field) as Upload);
    if (typeof value !== 'string' || value === '') {
      throw bad(
        field === kind ? `there is no ${kind} in the request` : "can't parse InputMedia: media not found",
      );
    }
    return value;
  }

  private async sendMediaGroup(p: Params, uploads: Map<string, Upload>): Promise<Message[]> {
    if (p.chat_id === undefined || p.chat_id === '') throw bad('chat_id is empty');
    const items = obj<Params[]>(p, 'media');
    if (items === undefined) throw bad('parameter "media" is required');
    if (!Array.isArray(items)) throw bad('expected an Array of InputMedia');
    if (items.length > 10) throw bad('too much messages to send as an album');
    // Not verified against Telegram: the wording for albums with fewer than 2 items / mixed types.
    if (items.length < 2) throw bad('media group must contain 2-10 items');
    const types = items.map((i) => String(i?.type));
    for (const type of types) {
      if (!['photo', 'video', 'audio', 'document'].includes(type)) {
        throw bad(`can't parse InputMedia: unsupported media type "${type}"`);
      }
    }
    for (const solo of ['audio', 'document']) {
      if (types.includes(solo) && types.some((t) => t !== solo)) {
        throw bad(`${solo} can be grouped in an album only with other ${solo} files`);
      }
    }
    const prepared = items.map((item) => ({
      item,
      kind: item.type as MediaKind,
      caption: this.captionOf(item),
      source: this.mediaSource(String(item.type), item.media, uploads, 'media'),
    }));
    const chat = this.sendableChat(p);
    const reply = this.replyTarget(chat.id, p);
    const media_group_id = String(BigInt(`0x${randomBytes(7).toString('hex')}`));
    const messages: Message[] = [];
    for (const { item, kind, caption, source } of prepared) {
      const { content, media } = await this.world.files.resolve(kind, source, item);
      const message = this.newMessage(
        chat,
        this.sender,
        { media_group_id, ...content, ...captionFields(caption), ...this.commonFields(p, undefined) },
        reply,
      );
      messages.push(
        this.storeOutgoing(chat.id, 'sendMediaGroup', message, {
          media,
          parse_mode: str(item, 'parse_mode'),
        }),
      );
    }
    return messages;
  }

  private editTarget(p: Params): StoredMessage {
    if (p.inline_message_id !== undefined) throw bad('MESSAGE_ID_INVALID'); // inline messages are not modelled
    if (p.chat_id === undefined || p.chat_id === '') throw bad('chat_id is empty');
    const id = int(p, 'message_id');
    if (id === undefined) throw bad('message identifier is not specified');
    const chat = this.targetChat(p);
    const stored = this.log(chat.id).byId.get(id);
    if (!stored || stored.deleted) throw bad('message to edit not found');
    if (!stored.outgoing) throw bad("message can't be edited");
    return stored;
  }

  private editText(p: Params): Message {
    const raw = str(p, 'text');
    if (!raw) throw bad('message text is empty');
    const f = this.format(raw, str(p, 'parse_mode'), obj<MessageEntity[]>(p, 'entities'));
    if (!f.text) throw bad('message text is empty');
    if (textLength(f.text) > 4096) throw bad('MESSAGE_TOO_LONG');
    const markup = this.markup(p);
    const stored = this.editTarget(p);
    const cur = this.current(stored).message;
    if (cur.text === undefined) throw bad('there is no text in the message to edit');
    if (
      cur.text === f.text &&
      stable(cur.entities ?? []) === stable(f.entities) &&
      stable(cur.reply_markup ?? null) === stable(markup.inline ?? null)
    ) {
      throw NOT_MODIFIED;
    }
    const next = this.applyMarkup({ ...cur, text: f.text }, markup.inline);
    if (f.entities.length) next.entities = f.entities;
    else delete next.entities;
    return this.pushVersion(stored, 'editMessageText', next, {
      reply_markup: markup.raw,
      parse_mode: str(p, 'parse_mode'),
    });
  }

  private editCaption(p: Params): Message {
    const caption = this.captionOf(p);
    const markup = this.markup(p);
    const stored = this.editTarget(p);
    const cur = this.current(stored);
    if (cur.media === undefined) throw bad('there is no caption in the message to edit');
    if (
      (cur.message.caption ?? '') === (caption?.text ?? '') &&
      stable(cur.message.caption_entities ?? []) === stable(caption?.entities ?? []) &&
      stable(cur.message.reply_markup ?? null) === stable(markup.inline ?? null)
    ) {
      throw NOT_MODIFIED;
    }
    const { caption: _c, caption_entities: _ce, ...rest } = cur.message;
    const next = this.applyMarkup({ ...rest, ...captionFields(caption) } as Message, markup.inline);
    return this.pushVersion(stored, 'editMessageCaption', next, {
      reply_markup: markup.raw,
      parse_mode: str(p, 'parse_mode'),
      media: cur.media,
    });
  }

  private async editMedia(p: Params, uploads: Map<string, Upload>): Promise<Message> {
    const item = obj<Params>(p, 'media');
    if (!item || typeof item !== 'object') throw bad('parameter "media" is required');
    const kind = String(item.type) as MediaKind;
    if (!MEDIA_FIELDS.includes(kind)) throw bad(`can't parse InputMedia: unsupported media type "${kind}"`);
    const caption = this.captionOf(item);
    const source = this.mediaSource(kind, item.media, uploads, 'media');
    const markup = this.markup(p);
    const stored = this.editTarget(p);
    const cur = this.current(stored);
    if (cur.media === undefined) throw bad('there is no media in the message to edit');
    if (
      typeof source === 'string' &&
      source === cur.media.file_id &&
      (cur.message.caption ?? '') === (caption?.text ?? '') &&
      stable(cur.message.reply_markup ?? null) === stable(markup.inline ?? null)
    ) {
      throw NOT_MODIFIED;
    }
    const { content, media } = await this.world.files.resolve(kind, source, item);
    const base: Params = { ...cur.message };
    for (const key of [...MEDIA_FIELDS, 'caption', 'caption_entities']) delete base[key];
    const next = this.applyMarkup(
      { ...base, ...content, ...captionFields(caption) } as Message,
      markup.inline,
    );
    return this.pushVersion(stored, 'editMessageMedia', next, {
      reply_markup: markup.raw,
      parse_mode: str(item, 'parse_mode'),
      media,
    });
  }

  /** Edits replace the inline keyboard: omitting reply_markup removes it, as on Telegram. */
  private applyMarkup(message: Message, inline: InlineKeyboardMarkup | undefined): Message {
    const next = { ...message, edit_date: now() };
    if (inline) next.reply_markup = inline;
    else delete next.reply_markup;
    return next;
  }

  private canDelete(chat: Chat, stored: StoredMessage): boolean {
    return stored.outgoing || chat.type === 'private' || (this.world.chat(chat.id)?.botIsAdmin ?? false);
  }

  // ====================================================================================== storage

  private log(chatId: number) {
    let log = this.logs.get(chatId);
    if (!log) {
      log = { nextId: 1, byId: new Map() };
      this.logs.set(chatId, log);
    }
    return log;
  }

  private current(stored: StoredMessage): MessageVersion {
    return stored.versions[stored.versions.length - 1] as MessageVersion;
  }

  private storeOutgoing(
    chatId: number,
    method: string,
    message: Message,
    extra: Omit<MessageVersion, 'method' | 'message' | 'at'>,
  ): Message {
    const version = { method, message: clone(message), at: Date.now(), ...extra };
    this.log(chatId).byId.set(message.message_id, {
      chatId,
      outgoing: true,
      deleted: false,
      versions: [version],
    });
    return message;
  }

  private pushVersion(
    stored: StoredMessage,
    method: string,
    message: Message,
    extra: Omit<MessageVersion, 'method' | 'message' | 'at'>,
  ): Message {
    stored.versions.push({ method, message: clone(message), at: Date.now(), ...extra });
    return message;
  }

  private commandKey(p: Params): string {
    const scope = obj<BotCommandScope>(p, 'scope') ?? { type: 'default' };
    return scopeKey(scope, str(p, 'language_code') ?? '');
  }

  private setting(kind: string, p: Params) {
    this.settings.set(`${kind}|${str(p, 'language_code') ?? ''}`, str(p, kind) ?? '');
    return true;
  }

  // =================================================================================== user side

  private chatOf(ref: ChatRef): Chat {
    const entry = this.world.chat(typeof ref === 'number' ? ref : ref.id);
    if (!entry) throw new Error(`FakeTelegram: unknown chat ${typeof ref === 'number' ? ref : ref.id}`);
    return entry.chat;
  }

  private storedOf(chatId: number, ref: MessageRef): StoredMessage {
    const id = typeof ref === 'number' ? ref : ref.message_id;
    const stored = this.log(chatId).byId.get(id);
    if (!stored || stored.deleted) throw new Error(`FakeTelegram: no message ${id} in chat ${chatId}`);
    return stored;
  }

  private incoming(
    chat: Chat,
    from: User,
    content: Partial<Message>,
    replyTo?: MessageRef,
  ): UserMessageResult {
    const reply =
      replyTo === undefined ? undefined : withoutReply(this.current(this.storedOf(chat.id, replyTo)).message);
    const message = this.newMessage(chat, from, content, reply);
    this.world.members.joined(chat.id, from.id);
    this.log(chat.id).byId.set(message.message_id, {
      chatId: chat.id,
      outgoing: false,
      deleted: false,
      versions: [{ method: 'user', message: clone(message), at: Date.now() }],
    });
    return { message, ...this.enqueue({ message: clone(message) }, this.visible(chat, message)) };
  }

  /** Privacy mode (simplified): in groups the bot only sees commands, @mentions and replies to itself. */
  private visible(chat: Chat, message: Message): boolean {
    if (chat.type === 'private' || this.user.can_read_all_group_messages) return true;
    if (message.reply_to_message?.from?.id === this.user.id) return true;
    const text = message.text ?? message.caption ?? '';
    const me = this.user.username.toLowerCase();
    return (message.entities ?? message.caption_entities ?? []).some((e) => {
      const part = text.slice(e.offset, e.offset + e.length).toLowerCase();
      if (e.type === 'mention') return part === `@${me}`;
      if (e.type !== 'bot_command') return false;
      const at = part.indexOf('@');
      return at < 0 || part.slice(at + 1) === me;
    });
  }

  sendUserMessage(
    chat: ChatRef,
    from: User,
    text: string,
    opts: { replyTo?: MessageRef; entities?: MessageEntity[] } = {},
  ): UserMessageResult {
    const f = withAutoEntities({ text, entities: opts.entities ?? [] });
    return this.incoming(
      this.chatOf(chat),
      from,
      { text: f.text, ...(f.entities.length && { entities: f.entities }) },
      opts.replyTo,
    );
  }

  sendUserPhoto(
    chat: ChatRef,
    from: User,
    bytes: Uint8Array,
    opts: { caption?: string; replyTo?: MessageRef; mediaGroupId?: string } = {},
  ): UserMessageResult {
    const photo = this.world.files.photo(Buffer.from(bytes));
    return this.incoming(
      this.chatOf(chat),
      from,
      {
        ...(opts.mediaGroupId && { media_group_id: opts.mediaGroupId }),
        photo,
        ...userCaption(opts.caption),
      },
      opts.replyTo,
    );
  }

  sendUserDocument(
    chat: ChatRef,
    from: User,
    bytes: Uint8Array,
    opts: { fileName?: string; mimeType?: string; caption?: string; replyTo?: MessageRef } = {},
  ): UserMessageResult {
    const document = this.world.files.document(
      Buffer.from(bytes),
      opts.fileName ?? 'file.dat',
      opts.mimeType,
    );
    return this.incoming(this.chatOf(chat), from, { document, ...userCaption(opts.caption) }, opts.replyTo);
  }

  /** An album: several messages (one update each) sharing a media_group_id. */
  sendUserAlbum(
    chat: ChatRef,
    from: User,
    items: Array<{ bytes: Uint8Array; caption?: string; type?: 'photo' | 'video' }>,
  ): { media_group_id: string; results: UserMessageResult[] } {
    const media_group_id = String(BigInt(`0x${randomBytes(7).toString('hex')}`));
    const target = this.chatOf(chat);
    const results = items.map((item) =>
      item.type === 'video'
        ? this.incoming(target, from, {
            media_group_id,
            video: this.world.files.video(Buffer.from(item.bytes)),
            ...userCaption(item.caption),
          })
        : this.sendUserPhoto(target, from, item.bytes, {
            caption: item.caption,
            mediaGroupId: media_group_id,
          }),
    );
    return { media_group_id, results };
  }

  /** The user edits one of their text messages -> edited_message update. */
  editUserMessage(
    chat: ChatRef,
    message: MessageRef,
    text: string,
  ): { update: Update; message: Message; delivered: boolean } {
    const target = this.chatOf(chat);
    const stored = this.storedOf(target.id, message);
    if (stored.outgoing) throw new Error('FakeTelegram: users can only edit their own messages');
    const f = withAutoEntities({ text, entities: [] });
    const next = { ...this.current(stored).message, text: f.text, edit_date: now() };
    if (f.entities.length) next.entities = f.entities;
    else delete next.entities;
    stored.versions.push({ method: 'user-edit', message: clone(next), at: Date.now() });
    return { message: next, ...this.enqueue({ edited_message: clone(next) }, this.visible(target, next)) };
  }

  /**
   * The user taps an inline button -> callback_query update. By default the button (with exactly this
   * callback_data) must be on the message's current inline keyboard, as only real buttons can be pressed.
   */
  pressButton(
    chat: ChatRef,
    from: User,
    message: MessageRef,
    callbackData: string,
    opts: { skipButtonCheck?: boolean } = {},
  ): { update: Update; callbackQuery: CallbackQuery; delivered: boolean } {
    const target = this.chatOf(chat);
    const current = this.current(this.storedOf(target.id, message)).message;
    const buttons = current.reply_markup?.inline_keyboard.flat() ?? [];
    if (
      !opts.skipButtonCheck &&
      !buttons.some((b) => 'callback_data' in b && b.callback_data === callbackData)
    ) {
      throw new Error(
        `FakeTelegram: message ${current.message_id} has no button with callback_data ${JSON.stringify(callbackData)}`,
      );
    }
    const callbackQuery: CallbackQuery = {
      id: String(BigInt(`0x${randomBytes(8).toString('hex')}`)),
      from,
      message: clone(current),
      chat_instance: String(BigInt.asIntN(64, BigInt(target.id) * 2654435761n)),
      data: callbackData,
    };
    this.queries.set(callbackQuery.id, { query: callbackQuery });
    return { callbackQuery, ...this.enqueue({ callback_query: clone(callbackQuery) }) };
  }

  /**
   * Delivers an already-sent update again with the SAME update_id (Telegram does this when the bot did
   * not confirm it, e.g. it crashed mid-handling or a webhook request timed out). The fake never dedupes.
   */
  redeliver(update: Update | number): Update {
    const id = typeof update === 'number' ? update : update.update_id;
    const original = this.history.get(id);
    if (!original) throw new Error(`FakeTelegram: unknown update ${id}`);
    this.push({ update: clone(original), redelivered: true, delivered: false });
    this.world.changed();
    return clone(original);
  }

  /** Escape hatch for update types without a helper (my_chat_member, message_reaction, ...). */
  injectUpdate(body: Omit<Update, 'update_id'>): { update: Update; delivered: boolean } {
    return this.enqueue(body);
  }

  // ================================================================================= inspection

  sentMessages(chat: ChatRef): SentMessage[] {
    const chatId = typeof chat === 'number' ? chat : chat.id;
    const out: SentMessage[] = [];
    for (const stored of this.logs.get(chatId)?.byId.values() ?? []) {
      if (!stored.outgoing) continue;
      const cur = this.current(stored);
      const m = cur.message;
      const kind =
        MEDIA_FIELDS.find((k) => k !== 'document' && m[k] !== undefined) ??
        (m.document ? 'document' : 'text');
      out.push({
        chatId,
        message_id: m.message_id,
        method: stored.versions[0]?.method ?? cur.method,
        kind,
        ...(m.text !== undefined && { text: m.text }),
        ...(m.caption !== undefined && { caption: m.caption }),
        ...((m.entities ?? m.caption_entities) && { entities: m.entities ?? m.caption_entities }),
        ...(cur.parse_mode && { parse_mode: cur.parse_mode }),
        ...(cur.reply_markup !== undefined && { reply_markup: cur.reply_markup }),
        ...(cur.media && { media: cur.media }),
        ...(m.media_group_id && { media_group_id: m.media_group_id }),
        ...(m.reply_to_message && { reply_to_message_id: m.reply_to_message.message_id }),
        deleted: stored.deleted,
        history: stored.versions.slice(0, -1),
        message: clone(m),
      });
    }
    return out.sort((a, b) => a.message_id - b.message_id);
  }

  /** Current state of every non-deleted message in the chat (both directions), by message_id. */
  chatMessages(chat: ChatRef): Message[] {
    const chatId = typeof chat === 'number' ? chat : chat.id;
    return [...(this.logs.get(chatId)?.byId.values() ?? [])]
      .filter((s) => !s.deleted)
      .map((s) => clone(this.current(s).message))
      .sort((a, b) => a.message_id - b.message_id);
  }

  calls(method?: string): ApiCall[] {
    return method
      ? this.callLog.filter((c) => c.method.toLowerCase() === method.toLowerCase())
      : [...this.callLog];
  }

  commands(opts: { scope?: BotCommandScope; language_code?: string } = {}): BotCommand[] | undefined {
    return this.commandSets.get(scopeKey(opts.scope ?? { type: 'default' }, opts.language_code ?? ''));
  }

  callbackAnswer(callbackQueryId: string): CallbackAnswer | undefined {
    return this.queries.get(callbackQueryId)?.answer;
  }

  chatActions(chat: ChatRef): string[] {
    const chatId = typeof chat === 'number' ? chat : chat.id;
    return this.actions.filter((a) => a.chatId === chatId).map((a) => a.action);
  }

  webhookDeliveries(): WebhookDelivery[] {
    return [...this.deliveries];
  }

  pendingUpdates(): Update[] {
    return this.queue.map((e) => clone(e.update));
  }

  /** The next `times` calls of `method` fail with this error (e.g. 429 with parameters.retry_after). */
  failNext(method: string, error: ApiErrorSpec, times = 1) {
    const name = this.methodIndex.get(method.toLowerCase()) ?? method;
    const list = this.failures.get(name) ?? [];
    for (let i = 0; i < times; i++) list.push(error);
    this.failures.set(name, list);
  }

  /** The user blocked the bot (private chat) or the bot was kicked (group): sends fail with 403. */
  setBlocked(chat: ChatRef, blocked = true) {
    const chatId = typeof chat === 'number' ? chat : chat.id;
    if (blocked) this.blocked.add(chatId);
    else this.blocked.delete(chatId);
  }
}

function scopeKey(scope: BotCommandScope, language: string): string {
  const s = scope as { type: string; chat_id?: unknown; user_id?: unknown };
  return [s.type, s.chat_id ?? '', s.user_id ?? '', language].join('|');
}

function captionFields(caption: FormattedText | undefined): Partial<Message> {
  if (!caption) return {};
  return { caption: caption.text, ...(caption.entities.length && { caption_entities: caption.entities }) };
}

function userCaption(caption: string | undefined): Partial<Message> {
  return caption ? captionFields(withAutoEntities({ text: caption, entities: [] })) : {};
}

function checkUpload(upload: Upload): Upload {
  if (upload.bytes.length === 0) throw bad('file must be non-empty');
  if (upload.bytes.length > 50 * 1024 * 1024) throw new TelegramApiError(413, 'Request Entity Too Large');
  return upload;
}
