import { buttonsOf, selectsOf } from './slack-blocks';
import { slackId } from './slack-ids';
import type { Channel, Member, TranscriptEntry, View, Workspace } from './slack-model';
import type { SlackWorld } from './slack-world';

// The bodies Slack sends to an app's Request URL, field for field as documented: slash commands are
// form-encoded, interactions are form-encoded with one JSON `payload`, Events API requests are JSON.

const seconds = (world: SlackWorld) => Math.floor(world.now() / 1000);

function teamFields(workspace: Workspace) {
  return {
    team: {
      id: workspace.id,
      domain: workspace.domain,
      ...(workspace.enterpriseId
        ? { enterprise_id: workspace.enterpriseId, enterprise_name: workspace.enterpriseName }
        : {}),
    },
    enterprise: workspace.enterpriseId
      ? { id: workspace.enterpriseId, name: workspace.enterpriseName }
      : null,
    is_enterprise_install: false,
  };
}

function userFields(member: Member) {
  return { id: member.id, username: member.name, name: member.name, team_id: member.teamId };
}

export function messageObject(world: SlackWorld, entry: TranscriptEntry): Record<string, unknown> {
  const bot = world.installationOf(world.channel(entry.channel).teamId);
  const fromBot = bot && entry.author === bot.botUserId;
  return {
    type: 'message',
    ts: entry.ts,
    text: entry.text,
    user: entry.author,
    ...(fromBot ? { bot_id: bot.botId, app_id: world.app.appId } : {}),
    ...(entry.blocks.length ? { blocks: entry.blocks } : {}),
    ...(entry.files.length ? { files: entry.files.map((f) => world.fileObject(f)), upload: false } : {}),
    ...(entry.threadTs ? { thread_ts: entry.threadTs } : {}),
    team: world.channel(entry.channel).teamId,
  };
}

export function slashCommandBody(
  world: SlackWorld,
  opts: {
    member: Member;
    channel: Channel;
    command: string;
    text: string;
    triggerId: string;
    responseUrl: string;
  },
): string {
  const workspace = world.workspace(opts.member.teamId);
  const fields: Record<string, string> = {
    token: 'deprecated-verification-token',
    team_id: workspace.id,
    team_domain: workspace.domain,
    ...(workspace.enterpriseId
      ? { enterprise_id: workspace.enterpriseId, enterprise_name: workspace.enterpriseName ?? '' }
      : {}),
    channel_id: opts.channel.id,
    channel_name: opts.channel.kind === 'im' ? 'directmessage' : opts.channel.name,
    user_id: opts.member.id,
    user_name: opts.member.name,
    command: opts.command,
    text: opts.text,
    api_app_id: world.app.appId,
    is_enterprise_install: 'false',
    response_url: opts.responseUrl,
    trigger_id: opts.triggerId,
  };
  return new URLSearchParams(fields).toString();
}

export function blockActionsPayload(
  world: SlackWorld,
  opts: {
    member: Member;
    message: TranscriptEntry;
    actionId: string;
    /** For a select menu: the value of the option chosen. */
    value?: string;
    triggerId: string;
    responseUrl: string;
  },
): Record<string, unknown> {
  const channel = world.channel(opts.message.channel);
  const workspace = world.workspace(opts.member.teamId);
  const actionTs = `${seconds(world)}.${String(world.now() % 1000).padStart(3, '0')}000`;
  const button = buttonsOf(opts.message.blocks).find((b) => b.actionId === opts.actionId);
  const select = selectsOf(opts.message.blocks).find((b) => b.actionId === opts.actionId);
  const option = select?.options.find((o) => o.value === opts.value);
  const action = button
    ? {
        action_id: button.actionId,
        block_id: button.blockId,
        text: { type: 'plain_text', text: button.text, emoji: true },
        ...(button.value !== undefined ? { value: button.value } : {}),
        type: 'button',
        action_ts: actionTs,
      }
    : select && option
      ? {
          action_id: select.actionId,
          block_id: select.blockId,
          type: 'static_select',
          selected_option: {
            text: { type: 'plain_text', text: option.text, emoji: true },
            value: option.value,
          },
          action_ts: actionTs,
        }
      : undefined;
  if (!action) throw new Error(`no button or option ${opts.actionId} on message ${opts.message.ts}`);
  return {
    type: 'block_actions',
    user: userFields(opts.member),
    api_app_id: world.app.appId,
    token: 'deprecated-verification-token',
    container: {
      type: 'message',
      message_ts: opts.message.ts,
      channel_id: channel.id,
      is_ephemeral: Boolean(opts.message.visibleTo),
    },
    trigger_id: opts.triggerId,
    ...teamFields(workspace),
    channel: { id: channel.id, name: channel.name },
    ...(opts.message.visibleTo ? {} : { message: messageObject(world, opts.message) }),
    state: { values: {} },
    response_url: opts.responseUrl,
    actions: [action],
  };
}

export function messageShortcutPayload(
  world: SlackWorld,
  opts: {
    member: Member;
    message: TranscriptEntry;
    callbackId: string;
    triggerId: string;
    responseUrl: string;
  },
): Record<string, unknown> {
  const channel = world.channel(opts.message.channel);
  const workspace = world.workspace(opts.member.teamId);
  return {
    type: 'message_action',
    token: 'deprecated-verification-token',
    action_ts: `${seconds(world)}.000000`,
    ...teamFields(workspace),
    user: userFields(opts.member),
    channel: { id: channel.id, name: channel.name },
    callback_id: opts.callbackId,
    trigger_id: opts.triggerId,
    message_ts: opts.message.ts,
    message: messageObject(world, opts.message),
    response_url: opts.responseUrl,
  };
}

/** `values`: block id -> action id -> the text typed into that input. */
export function viewSubmissionPayload(
  world: SlackWorld,
  opts: { member: Member; view: View; values: Record<string, Record<string, string>>; triggerId: string },
): Record<string, unknown> {
  const workspace = world.workspace(opts.member.teamId);
  const state: Record<string, Record<string, unknown>> = {};
  for (const [blockId, actions] of Object.entries(opts.values)) {
    state[blockId] = Object.fromEntries(
      Object.entries(actions).map(([actionId, value]) => [actionId, { type: 'plain_text_input', value }]),
    );
  }
  return {
    type: 'view_submission',
    ...teamFields(workspace),
    user: userFields(opts.member),
    api_app_id: world.app.appId,
    token: 'deprecated-verification-token',
    trigger_id: opts.triggerId,
    view: {
      id: opts.view.id,
      team_id: opts.view.teamId,
      type: 'modal',
      ...opts.view.body,
      callback_id: opts.view.callbackId ?? '',
      private_metadata: opts.view.privateMetadata ?? '',
      state: { values: state },
      hash: `${seconds(world)}.${opts.view.id}`,
      app_id: world.app.appId,
      bot_id: world.installationOf(workspace.id)?.botId,
    },
    response_urls: [],
  };
}

export interface EventEnvelope {
  token: string;
  team_id: string;
  enterprise_id?: string;
  api_app_id: string;
  event: Record<string, unknown>;
  type: 'event_callback';
  event_id: string;
  event_time: number;
  authorizations: Record<string, unknown>[];
  is_ext_shared_channel: boolean;
}

export function eventEnvelope(
  world: SlackWorld,
  workspace: Workspace,
  event: Record<string, unknown>,
  botUserId: string,
): EventEnvelope {
  return {
    token: 'deprecated-verification-token',
    team_id: workspace.id,
    ...(workspace.enterpriseId ? { enterprise_id: workspace.enterpriseId } : {}),
    api_app_id: world.app.appId,
    event: { ...event, event_ts: event.event_ts ?? `${seconds(world)}.000100` },
    type: 'event_callback',
    event_id: slackId('Ev'),
    event_time: seconds(world),
    authorizations: [
      {
        enterprise_id: workspace.enterpriseId ?? null,
        team_id: workspace.id,
        user_id: botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}
