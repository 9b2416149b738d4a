import { encodeAction } from './button-actions';
import { failureSentence } from './error-text';
import type { KitLogger, MessageRef } from './kit.types';
import { button, credits, type Inline, type Reply } from './reply';

export interface ProgressState {
  modelName: string;
  /** null only while starting a follow-up, whose price core names as it accepts it. */
  price: number | null;
  /** 'starting' before core accepted it; then core's generation status. */
  status: 'starting' | 'queued' | 'submitted' | 'processing' | 'succeeded' | 'failed' | 'cancelled';
  queuePosition?: number | null;
  /** Percent, 0-100. */
  progress?: number | null;
  failureReason?: string | null;
  /** Delivered to the user's direct chat instead. */
  sentPrivately?: boolean;
  /** Known once core accepted it: running jobs then carry a Cancel button. */
  generationId?: string;
}

export const isFinal = (status: ProgressState['status']) =>
  status === 'succeeded' || status === 'failed' || status === 'cancelled';

function bar(percent: number): string {
  const filled = Math.round(Math.min(100, Math.max(0, percent)) / 10);
  return `${'▰'.repeat(filled)}${'▱'.repeat(10 - filled)}`;
}

/**
 * The one progress message, edited in place: the price is named before anything is held
 * ("Generating with FLUX.1 [schnell] for 1 credit…"), then queue position and percent, then the end.
 */
export function progressText(state: ProgressState): string {
  const head =
    state.price === null
      ? `Generating with ${state.modelName}`
      : `Generating with ${state.modelName} for ${credits(state.price)}`;
  const price = state.price ?? 0;
  switch (state.status) {
    case 'starting':
      return `${head}…`;
    case 'queued':
    case 'submitted':
      return state.queuePosition != null && state.queuePosition > 0
        ? `${head}: queued (position ${state.queuePosition})…`
        : `${head}: queued…`;
    case 'processing':
      return state.progress != null
        ? `${head}: ${bar(state.progress)} ${Math.round(state.progress)}%`
        : `${head}: generating…`;
    case 'succeeded':
      return state.sentPrivately
        ? `Done: ${state.modelName}, ${credits(price)}. I sent the result to you privately.`
        : `Done: ${state.modelName}, ${credits(price)}.`;
    case 'failed':
      return `Failed: ${failureSentence(state.failureReason ?? null, price)}`;
    case 'cancelled':
      return failureSentence(null, price, true);
  }
}

export function progressReply(state: ProgressState, note?: string): Reply {
  const text: Inline[] = [progressText(state)];
  if (note && !isFinal(state.status)) text.push(`\n${note}`);
  if (!state.generationId || isFinal(state.status)) return { text };
  const cancel = encodeAction({ verb: 'cancel', generationId: state.generationId });
  return { text, actions: [[button('Cancel', cancel, 'danger')]] };
}

/** Edits stop this long before a platform's edit window closes, so the last one is not refused. */
const EDIT_MARGIN_MS = 5_000;

/** Whether the platform still accepts edits of this message. */
export function isEditable(ref: MessageRef, now = Date.now()): boolean {
  return ref.editableUntil === undefined || now < ref.editableUntil - EDIT_MARGIN_MS;
}

type Edit = (ref: MessageRef, reply: Reply) => Promise<void>;

interface Slot {
  final: boolean;
  lastText: string;
  lastAt: number;
  pending: { reply: Reply; edit: Edit } | null;
  timer: NodeJS.Timeout | null;
  chain: Promise<boolean>;
}

/**
 * Serialises edits of progress messages: at most one edit per `minIntervalMs` per message (later
 * states replace queued ones), never an edit after the final one, and identical texts are skipped.
 * The command's progress watcher and the delivery renderer both end a message through `finish`; the
 * first one wins.
 */
export class ProgressTracker {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly minIntervalMs: number,
    private readonly logger: KitLogger,
  ) {}

  private slot(ref: MessageRef): Slot {
    const key = `${ref.chatId}:${ref.messageId}`;
    let slot = this.slots.get(key);
    if (!slot) {
      slot = {
        final: false,
        lastText: '',
        lastAt: 0,
        pending: null,
        timer: null,
        chain: Promise.resolve(true),
      };
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** Whether the message already shows its final state (in this process). */
  isFinished(ref: MessageRef): boolean {
    return this.slots.get(`${ref.chatId}:${ref.messageId}`)?.final ?? false;
  }

  /** Shows an intermediate state (throttled); nothing once the message's edit window has closed. */
  update(ref: MessageRef, reply: Reply, edit: Edit): void {
    if (!isEditable(ref)) return;
    const slot = this.slot(ref);
    if (slot.final) return;
    slot.pending = { reply, edit };
    if (slot.timer) return;
    const wait = Math.max(0, slot.lastAt + this.minIntervalMs - Date.now());
    slot.timer = setTimeout(() => {
      slot.timer = null;
      const next = slot.pending;
      slot.pending = null;
      if (next && !slot.final) void this.run(ref, slot, next.reply, next.edit);
    }, wait);
  }

  /**
   * Shows the final state once; later updates and finishes are ignored. Resolves false only for the
   * first caller, and only when the message could not show it (its edit window closed, the platform
   * refused the edit): that caller then posts the outcome anew. Later callers get true.
   */
  finish(ref: MessageRef, reply: Reply, edit: Edit): Promise<boolean> {
    const slot = this.slot(ref);
    if (slot.final) return slot.chain.then(() => true);
    slot.final = true;
    slot.pending = null;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const done = isEditable(ref) ? this.run(ref, slot, reply, edit) : Promise.resolve(false);
    // Forget the message a while later; a late duplicate is then at worst one redundant edit.
    setTimeout(() => this.slots.delete(`${ref.chatId}:${ref.messageId}`), 10 * 60_000).unref();
    return done;
  }

  private run(ref: MessageRef, slot: Slot, reply: Reply, edit: Edit): Promise<boolean> {
    const text = JSON.stringify(reply);
    slot.chain = slot.chain.then(async () => {
      if (text === slot.lastText) return true;
      slot.lastText = text;
      slot.lastAt = Date.now();
      try {
        await edit(ref, reply);
        return true;
      } catch (error) {
        this.logger.debug('progress edit failed', { ref, error: String(error) });
        return false;
      }
    });
    return slot.chain;
  }

  /** Stops pending timers (shutdown). */
  clear(): void {
    for (const slot of this.slots.values()) if (slot.timer) clearTimeout(slot.timer);
    this.slots.clear();
  }
}
