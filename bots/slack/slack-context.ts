import { ChatPlatformError, type CommandContext, type MessageRef } from '../kit/kit.types';
import { SLACK_TRAITS } from '../kit/platform-traits';
import { type ActionRow, type Reply, say } from '../kit/reply';
import { slackChat } from './slack-chats';
import type { SlackDirectory } from './slack-directory';
import { type KnownBlock, withActions } from './slack-format';
import { slackActor } from './slack-input';
import type { SlackSender } from './slack-sender';

/** Where an incoming command, mention, press or submission came from, as Slack described it. */
export interface SlackSource {
  teamId: string;
  teamName: string;
  channel: string;
  /** Reply in this thread (a mention inside a thread, a shortcut on a threaded message). */
  threadTs?: string;
  userId: string;
  userName: string;
  /** Slash commands and button presses carry one: it can answer ephemerally and in channels the app is not in. */
  responseUrl?: string;
  receivedAt: number;
  requestKey: string;
  /** For a press: the message the button sits on. */
  source?: { ts: string; text: string; blocks: KnownBlock[]; ephemeral: boolean };
}

const notInChannel = (error: unknown) =>
  error instanceof ChatPlatformError && /not_in_channel|channel_not_found/.test(error.message);

/**
 * The kit's context for one Slack interaction. Public replies are channel messages (updated in place
 * with chat.update); in a channel the app was not added to, they go through the response URL
 * instead. Ephemeral replies use the response URL where there is one, chat.postEphemeral otherwise,
 * and a plain message in a direct chat with the app.
 */
export function slackContext(
  deps: { sender: SlackSender; directory: SlackDirectory },
  src: SlackSource,
): CommandContext {
  const { sender, directory } = deps;
  const chat = slackChat(src.teamId, src.channel, src.threadTs);
  directory.saw(src.userId, src.teamId);

  const viaResponseUrl = (reply: Reply, isPublic: boolean) =>
    sender.respond(chat, src.responseUrl!, reply, { public: isPublic, issuedAt: src.receivedAt });

  const post = async (reply: Reply): Promise<MessageRef> => {
    try {
      return await sender.send(chat, reply);
    } catch (error) {
      if (src.responseUrl && notInChannel(error)) return viaResponseUrl(reply, true);
      throw error;
    }
  };
  const ephemeral = (reply: Reply): Promise<MessageRef> => {
    if (chat.direct) return post(reply);
    if (src.responseUrl) return viaResponseUrl(reply, false);
    return sender.ephemeral(chat, src.userId, reply);
  };
  const reply = (r: Reply) => (r.visibility === 'ephemeral' ? ephemeral(r) : post(r));

  return {
    actor: slackActor(src),
    chat,
    traits: SLACK_TRAITS,
    requestKey: src.requestKey,
    reply,
    edit: (ref, r) => sender.edit(ref, r),
    post,
    async notify(text) {
      await ephemeral(say(text));
    },
    ...(src.source && !src.source.ephemeral
      ? {
          updateSource: async (actions: ActionRow[]) => {
            const message = src.source!;
            await sender.updateBlocks(
              { chatId: chat.chatId, messageId: message.ts },
              withActions(message.blocks, actions),
              message.text,
            );
          },
        }
      : {}),
    async sendPrivate(r) {
      const direct = await sender.directChat(src.userId);
      return direct ? sender.send(direct, r) : null;
    },
    isSpaceAdmin: () => directory.isAdmin(src.teamId, src.userId),
  };
}
