import type { DeliveryView } from './core-client';
import { generationReply } from './generation-reply';
import { ChatPlatformError, type ChatSink, type ChatTarget, type MessageRef } from './kit.types';
import type { KitRuntime } from './kit-runtime';
import { type ProgressState, progressReply } from './progress';

const isPermanent = (error: unknown) => error instanceof ChatPlatformError && error.permanent;

/** Posts to the user's direct chat; false when the platform cannot reach them there (never started the bot...). */
async function sendDirect(sink: ChatSink, userId: string | null, reply: ReturnType<typeof generationReply>) {
  if (!userId) return false;
  const chat = await sink.directChat(userId);
  if (!chat) return false;
  try {
    await sink.send(chat, reply);
    return true;
  } catch (error) {
    if (isPermanent(error)) return false;
    throw error;
  }
}

/**
 * Posts one finished generation where it was asked for: the media with its buttons as a reply to the
 * progress message (or privately), then closes the progress message; a failure replaces the progress
 * message with the reason. Throws when the platform refused in a way worth retrying.
 */
export async function renderDelivery(
  runtime: KitRuntime,
  sink: ChatSink,
  delivery: DeliveryView,
): Promise<void> {
  const generation = delivery.generation;
  const { origin, recipientPlatformUserId: recipient } = delivery;
  const chat: ChatTarget | null = origin.chatId
    ? { chatId: origin.chatId, ...(origin.threadId ? { threadId: origin.threadId } : {}), direct: false }
    : null;
  const progress: MessageRef | null =
    chat && origin.messageId ? { chatId: chat.chatId, messageId: origin.messageId } : null;
  const state: ProgressState = {
    modelName: generation.modelName,
    price: generation.price,
    status: delivery.outcome,
    failureReason: generation.failureReason,
  };
  const edit = (ref: MessageRef, reply: Parameters<ChatSink['edit']>[1]) => sink.edit(ref, reply);

  if (delivery.outcome === 'succeeded') {
    const reply = generationReply(generation, delivery.teamSpend);
    const privately = origin.private === true && (await sendDirect(sink, recipient, reply));
    if (!privately) {
      if (chat) await sink.send(chat, reply, progress ? { replyTo: progress.messageId } : {});
      else if (!(await sendDirect(sink, recipient, reply))) {
        runtime.logger.warn('a delivery has nowhere to go', {
          deliveryId: delivery.deliveryId,
          generationId: generation.id,
        });
        return;
      }
    }
    if (progress)
      await runtime.progress.finish(progress, progressReply({ ...state, sentPrivately: privately }), edit);
    return;
  }
  const reply = progressReply(state);
  if (progress && (await runtime.progress.finish(progress, reply, edit))) return;
  if (chat) await sink.send(chat, reply);
  else await sendDirect(sink, recipient, reply);
}
