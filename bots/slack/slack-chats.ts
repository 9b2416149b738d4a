import type { ChatTarget } from '../kit/kit.types';

/**
 * A Slack conversation as the kit names it: `<team id>:<channel id>`, so anything that posts later
 * (a delivery after a restart) knows which workspace's token to use. Threads are the kit's
 * `threadId` (the parent message's ts); `D…` channels are direct messages with the app.
 */
export function slackChat(teamId: string, channelId: string, threadTs?: string): ChatTarget {
  return {
    chatId: `${teamId}:${channelId}`,
    ...(threadTs ? { threadId: threadTs } : {}),
    direct: channelId.startsWith('D'),
  };
}

export function parseSlackChat(chatId: string): { teamId: string; channel: string } {
  const colon = chatId.indexOf(':');
  if (colon <= 0) throw new Error(`not a Slack chat id: ${chatId}`);
  return { teamId: chatId.slice(0, colon), channel: chatId.slice(colon + 1) };
}
