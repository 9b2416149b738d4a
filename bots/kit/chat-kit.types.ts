/**
 * The kit as adapters see it. Every incoming event goes through two phases:
 *
 *   1. `prepare` / `press` — synchronous, no network: parse and decide visibility.
 *   2. The adapter acknowledges the event with that visibility (Discord defers, Slack `ack()`s,
 *      Telegram has nothing to acknowledge for commands).
 *   3. `run()` does the work and answers through the CommandContext.
 *
 * Autocomplete answers from the kit's cache only (it cannot wait for core), at most 25 choices,
 * favorites first.
 */
import type { CommandInput, CommandName, CommandSpec } from './command-spec';
import type { DeliveryConsumer } from './delivery-consumer';
import type { Attachment, ChatSink, CommandContext } from './kit.types';
import type { Reply, Visibility } from './reply';

export type Prepared =
  /** Acknowledge with `visibility`, then call `run()` (it answers through the context and never throws). */
  | { ok: true; command: CommandName; visibility: Visibility; run(): Promise<void> }
  /** Not runnable (unknown command, a typing mistake): answer at once with `reply` (ephemeral where possible). */
  | { ok: false; reply: Reply };

export interface PreparedPress {
  /**
   * Acknowledge a press without a message of its own (Discord `deferUpdate`, Slack `ack()`,
   * Telegram answers the callback with the first notice). `visibility` is that of its notices:
   * they are for the presser alone where the platform can.
   */
  visibility: Visibility;
  /** Does the work; answers with `ctx.notify`, `ctx.updateSource` or `ctx.reply`. Never throws. */
  run(): Promise<void>;
}

export interface Choice {
  /** What the user sees (at most 100 characters). */
  label: string;
  /** What the option receives (at most 100 characters). */
  value: string;
}

export interface CompletionRequest {
  command: string;
  subcommand?: string;
  option: string;
  /** What the user has typed so far. */
  typed: string;
}

export interface ChatKit {
  /** The command list (for registration payloads and menus: see command-menus.ts). */
  readonly commands: readonly CommandSpec[];
  /** Whether a command name (or alias) is one of ours, for adapters that must not answer others' commands. */
  knows(command: string): boolean;
  /**
   * Phase one of a command: `command` is its name or alias, `input` the text after it or typed
   * values, `files` what was attached. Synchronous and free of network calls.
   */
  prepare(ctx: CommandContext, command: string, input: CommandInput, files?: readonly Attachment[]): Prepared;
  /**
   * Phase one of a button press or select choice (`action` is the button's or option's action
   * string). Unknown or stale actions run into a polite notice.
   */
  press(ctx: CommandContext, action: string): PreparedPress;
  /**
   * Choices for an autocompleted option, from cache only (a missing entry is loaded in the
   * background for the next keystroke). Synchronous: it never waits for core.
   */
  complete(ctx: CommandContext, request: CompletionRequest): Choice[];
  /**
   * Loads this person's completions (favorites, LoRAs, recent generations) now, so their first
   * keystroke already gets them; `complete` also loads a missing entry for the next one. Platforms
   * without autocomplete never need it. Resolves when loaded (or failed quietly).
   */
  warm(ctx: CommandContext): Promise<void>;
  /**
   * Resolves once the caches every command shares (the catalog) are loaded, so the first commands
   * are answered from memory like the rest; after at most a few seconds, or at once when core cannot
   * be reached (the caches then fill on first use). Adapters await it before taking updates.
   */
  ready(): Promise<void>;
  /** Starts posting finished generations through `sink`; stopped by `close()`. */
  consumeDeliveries(sink: ChatSink): DeliveryConsumer;
  /** Stops deliveries and progress watchers; waits for work in flight. */
  close(): Promise<void>;
}
