import { blocksText, validateBlocks } from './slack-blocks';
import { jsonParam, type Params } from './slack-http';
import { slackId } from './slack-ids';
import type { Block, Installation, View } from './slack-model';
import { OAUTH_CODE_TTL_MS, SlackFailure, type SlackWorld } from './slack-world';

// The Web API methods the fake answers, each checking the scope Slack requires. A method returns the
// fields of a successful answer (the dispatcher adds `ok: true`) or throws SlackFailure, which
// becomes Slack's `{ ok: false, error }` envelope with HTTP 200.

export interface MethodCall {
  world: SlackWorld;
  params: Params;
  /** Bearer token of the request (header or `token` parameter). */
  token: string | undefined;
  /** HTTP Basic credentials, used by oauth.v2.access. */
  basic?: { user: string; password: string };
}

interface MethodSpec {
  /** Scope the bot token needs; null: any valid token; 'none': no token at all (OAuth). */
  scope: string | null | 'none';
  run(call: MethodCall, auth: Installation | null): Record<string, unknown>;
}

function required(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === '')
    throw new SlackFailure('invalid_arguments', { errors: [`${name} is required`] });
  return value;
}

function messageFields(params: Params): { text: string; blocks: Block[] } {
  const blocks = validateBlocks(jsonParam<unknown>(params, 'blocks'), 'message');
  const text = params.text ?? '';
  if (!text && blocks.length === 0 && !params.attachments) throw new SlackFailure('no_text');
  return { text: text || blocksText(blocks), blocks };
}

function postable(world: SlackWorld, auth: Installation, channelId: string) {
  const channel = world.channel(channelId);
  if (channel.teamId !== auth.teamId) throw new SlackFailure('channel_not_found');
  if (!channel.appInvited) throw new SlackFailure('not_in_channel');
  return channel;
}

function viewObject(view: View): Record<string, unknown> {
  return {
    id: view.id,
    team_id: view.teamId,
    type: view.type,
    ...view.body,
    callback_id: view.callbackId ?? '',
    private_metadata: view.privateMetadata ?? '',
    state: { values: {} },
    hash: `${Math.floor(Date.now() / 1000)}.${view.id}`,
  };
}

function storeView(
  world: SlackWorld,
  auth: Installation,
  userId: string,
  raw: Record<string, unknown>,
  type: View['type'],
): View {
  if (raw.type !== type)
    throw new SlackFailure('invalid_arguments', { errors: [`view.type must be ${type}`] });
  validateBlocks(raw.blocks, 'view');
  if (type === 'modal') {
    const title = (raw.title as { text?: string } | undefined)?.text ?? '';
    if (!title) throw new SlackFailure('invalid_arguments', { errors: ['view.title is required'] });
    if (title.length > 24)
      throw new SlackFailure('invalid_arguments', { errors: ['view.title must be at most 24 characters'] });
  }
  const view: View = {
    id: slackId('V'),
    teamId: auth.teamId,
    userId,
    type,
    ...(typeof raw.callback_id === 'string' ? { callbackId: raw.callback_id } : {}),
    ...(typeof raw.private_metadata === 'string' ? { privateMetadata: raw.private_metadata } : {}),
    body: raw,
    open: true,
  };
  world.views.set(view.id, view);
  return view;
}

export const WEB_API_METHODS: Record<string, MethodSpec> = {
  'auth.test': {
    scope: null,
    run: ({ world }, auth) => {
      const workspace = world.workspace(auth!.teamId);
      return {
        url: `https://${workspace.domain}.slack.com/`,
        team: workspace.name,
        user: 'atelier',
        team_id: workspace.id,
        user_id: auth!.botUserId,
        bot_id: auth!.botId,
        is_enterprise_install: false,
        ...(workspace.enterpriseId ? { enterprise_id: workspace.enterpriseId } : {}),
      };
    },
  },

  'chat.postMessage': {
    scope: 'chat:write',
    run: ({ world, params }, auth) => {
      const channel = postable(world, auth!, required(params, 'channel'));
      const entry = world.post({
        channel: channel.id,
        ...(params.thread_ts ? { threadTs: params.thread_ts } : {}),
        author: auth!.botUserId,
        via: 'chat.postMessage',
        ...messageFields(params),
      });
      return {
        channel: channel.id,
        ts: entry.ts,
        message: {
          type: 'message',
          user: auth!.botUserId,
          bot_id: auth!.botId,
          text: entry.text,
          blocks: entry.blocks,
          ts: entry.ts,
        },
      };
    },
  },

  'chat.update': {
    scope: 'chat:write',
    run: ({ world, params }, auth) => {
      const channel = postable(world, auth!, required(params, 'channel'));
      const entry = world.message(channel.id, required(params, 'ts'));
      if (!entry || entry.visibleTo) throw new SlackFailure('message_not_found');
      if (entry.author !== auth!.botUserId) throw new SlackFailure('cant_update_message');
      const next = {
        text: params.text ?? entry.text,
        blocks:
          params.blocks !== undefined ? validateBlocks(jsonParam(params, 'blocks'), 'message') : entry.blocks,
      };
      world.update(entry, next);
      return {
        channel: channel.id,
        ts: entry.ts,
        text: entry.text,
        message: { text: entry.text, blocks: entry.blocks },
      };
    },
  },

  'chat.postEphemeral': {
    scope: 'chat:write',
    run: ({ world, params }, auth) => {
      const channel = postable(world, auth!, required(params, 'channel'));
      const user = required(params, 'user');
      if (!channel.members.has(user)) throw new SlackFailure('user_not_in_channel');
      const entry = world.post({
        channel: channel.id,
        ...(params.thread_ts ? { threadTs: params.thread_ts } : {}),
        author: auth!.botUserId,
        via: 'chat.postEphemeral',
        visibleTo: user,
        ...messageFields(params),
      });
      return { message_ts: entry.ts };
    },
  },

  'users.info': {
    scope: 'users:read',
    run: ({ world, params }, auth) => {
      const member = world.member(required(params, 'user'));
      const workspace = world.workspace(member.teamId);
      if (
        member.teamId !== auth!.teamId &&
        (!workspace.enterpriseId || workspace.enterpriseId !== auth!.enterpriseId)
      )
        throw new SlackFailure('user_not_found');
      return {
        user: {
          id: member.id,
          team_id: member.teamId,
          name: member.name,
          real_name: member.realName,
          deleted: false,
          is_admin: member.isAdmin,
          is_owner: member.isOwner,
          is_primary_owner: false,
          is_restricted: false,
          is_ultra_restricted: false,
          is_bot: member.isBot,
          is_app_user: false,
          profile: { real_name: member.realName, display_name: member.name },
          ...(workspace.enterpriseId
            ? {
                enterprise_user: {
                  id: member.id,
                  enterprise_id: workspace.enterpriseId,
                  enterprise_name: workspace.enterpriseName,
                  is_admin: member.isAdmin,
                  is_owner: member.isOwner,
                  teams: [member.teamId],
                },
              }
            : {}),
        },
      };
    },
  },

  'conversations.open': {
    scope: 'im:write',
    run: ({ world, params }, auth) => {
      const ids = required(params, 'users').split(',');
      if (ids.length !== 1)
        throw new SlackFailure('not_supported', { detail: 'the fake opens one-to-one conversations only' });
      const member = world.member(ids[0]!);
      if (member.teamId !== auth!.teamId) throw new SlackFailure('user_not_found');
      const channel = world.directChannel(member);
      return { channel: { id: channel.id } };
    },
  },

  'views.open': {
    scope: null,
    run: ({ world, params }, auth) => {
      const trigger = world.useTrigger(params.trigger_id, auth!.teamId);
      const raw = jsonParam<Record<string, unknown>>(params, 'view');
      if (!raw) throw new SlackFailure('invalid_arguments', { errors: ['view is required'] });
      return { view: viewObject(storeView(world, auth!, trigger.userId, raw, 'modal')) };
    },
  },

  'views.publish': {
    scope: null,
    run: ({ world, params }, auth) => {
      const userId = required(params, 'user_id');
      const member = world.member(userId);
      if (member.teamId !== auth!.teamId) throw new SlackFailure('user_not_found');
      const raw = jsonParam<Record<string, unknown>>(params, 'view');
      if (!raw) throw new SlackFailure('invalid_arguments', { errors: ['view is required'] });
      for (const view of world.views.values()) {
        if (view.type === 'home' && view.userId === userId) view.open = false;
      }
      return { view: viewObject(storeView(world, auth!, userId, raw, 'home')) };
    },
  },

  'files.getUploadURLExternal': {
    scope: 'files:write',
    run: ({ world, params }, auth) => {
      const filename = required(params, 'filename');
      const length = Number(required(params, 'length'));
      if (!Number.isInteger(length) || length <= 0)
        throw new SlackFailure('invalid_arguments', { errors: ['length must be a positive integer'] });
      const file = world.addFile({
        teamId: auth!.teamId,
        userId: auth!.botUserId,
        name: filename,
        mimetype: mimeFor(filename),
        filetype: filename.split('.').pop()?.toLowerCase() ?? 'binary',
        bytes: null,
        length,
        ...(params.alt_text ? { altText: params.alt_text } : {}),
      });
      return { upload_url: `${world.baseUrl}/upload/v1/${file.id}`, file_id: file.id };
    },
  },

  'files.completeUploadExternal': {
    scope: 'files:write',
    run: ({ world, params }, auth) => {
      const wanted = jsonParam<{ id: string; title?: string }[]>(params, 'files');
      if (!Array.isArray(wanted) || wanted.length === 0)
        throw new SlackFailure('invalid_arguments', { errors: ['files is required'] });
      const files = wanted.map(({ id, title }) => {
        const file = world.files.get(id);
        if (!file || file.teamId !== auth!.teamId) throw new SlackFailure('file_not_found');
        if (!file.bytes) throw new SlackFailure('file_upload_not_found');
        if (file.bytes.length !== file.length) throw new SlackFailure('file_size_mismatch');
        if (title) file.title = title;
        file.completed = true;
        return file;
      });
      const blocks = validateBlocks(jsonParam<unknown>(params, 'blocks'), 'message');
      if (params.channel_id) {
        const channel = postable(world, auth!, params.channel_id);
        world.post({
          channel: channel.id,
          ...(params.thread_ts ? { threadTs: params.thread_ts } : {}),
          author: auth!.botUserId,
          via: 'files.completeUploadExternal',
          text: params.initial_comment ?? blocksText(blocks),
          blocks,
          files,
        });
      }
      return { files: files.map((f) => ({ ...world.fileObject(f), title: f.title })) };
    },
  },

  'files.info': {
    scope: 'files:read',
    run: ({ world, params }, auth) => {
      const file = world.files.get(required(params, 'file'));
      if (!file || file.teamId !== auth!.teamId || !file.bytes) throw new SlackFailure('file_not_found');
      return { file: world.fileObject(file) };
    },
  },

  'oauth.v2.access': {
    scope: 'none',
    run: ({ world, params, basic }) => {
      const clientId = basic?.user ?? params.client_id;
      const clientSecret = basic?.password ?? params.client_secret;
      if (clientId !== world.app.clientId) throw new SlackFailure('invalid_client_id');
      if (clientSecret !== world.app.clientSecret) throw new SlackFailure('bad_client_secret');
      const grant = world.oauthCodes.get(required(params, 'code'));
      if (!grant || world.now() - grant.issuedAt > OAUTH_CODE_TTL_MS) throw new SlackFailure('invalid_code');
      world.oauthCodes.delete(params.code!);
      if (grant.redirectUri && params.redirect_uri !== grant.redirectUri)
        throw new SlackFailure('bad_redirect_uri');
      const workspace = world.workspace(grant.teamId);
      const installation = world.install(workspace, world.member(grant.userId));
      return {
        app_id: world.app.appId,
        authed_user: { id: grant.userId },
        scope: installation.scopes.join(','),
        token_type: 'bot',
        access_token: installation.botToken,
        bot_user_id: installation.botUserId,
        team: { id: workspace.id, name: workspace.name },
        enterprise: workspace.enterpriseId
          ? { id: workspace.enterpriseId, name: workspace.enterpriseName }
          : null,
        is_enterprise_install: false,
      };
    },
  },
};

const MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  glb: 'model/gltf-binary',
  txt: 'text/plain',
};

export function mimeFor(filename: string): string {
  return MIME[filename.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}
