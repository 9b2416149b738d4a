import type { IncomingMessage, ServerResponse } from 'node:http';
import { blocksText, validateBlocks } from './slack-blocks';
import { readRaw, sendJson } from './slack-http';
import type { Block } from './slack-model';
import { RESPONSE_URL_MAX_USES, RESPONSE_URL_TTL_MS, SlackFailure, type SlackWorld } from './slack-world';

export interface ResponseMessage {
  text?: string;
  blocks?: Block[];
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean | 'true' | 'false';
  delete_original?: boolean | 'true' | 'false';
  thread_ts?: string;
}

const truthy = (v: unknown) => v === true || v === 'true';

/**
 * Applies a message sent to a response URL, or the body of an interaction's HTTP acknowledgement
 * (same format): ephemeral unless `response_type: in_channel`; `replace_original` and
 * `delete_original` act on the message a button sat on.
 */
export function applyResponse(
  world: SlackWorld,
  target: { channel: string; userId: string; sourceTs?: string; lastPostedTs?: string },
  body: ResponseMessage,
  via: 'response_url' | 'ack',
): void {
  const blocks = validateBlocks(body.blocks, 'message');
  const text = body.text ?? blocksText(blocks);
  const installation = world.installationOf(world.channel(target.channel).teamId);
  const sourceTs = target.sourceTs ?? target.lastPostedTs;
  const source = sourceTs ? world.message(target.channel, sourceTs) : undefined;
  if (truthy(body.delete_original)) {
    if (!source) throw new SlackFailure('message_not_found');
    source.deleted = true;
    return;
  }
  if (truthy(body.replace_original)) {
    if (!source) throw new SlackFailure('message_not_found');
    world.update(source, { text, blocks });
    return;
  }
  if (!text && blocks.length === 0) throw new SlackFailure('no_text');
  const posted = world.post({
    channel: target.channel,
    ...(body.thread_ts ? { threadTs: body.thread_ts } : {}),
    author: installation?.botUserId ?? 'unknown-bot',
    via,
    ...(body.response_type === 'in_channel' ? {} : { visibleTo: target.userId }),
    text,
    blocks,
  });
  // A later replace_original through the same URL replaces this message.
  target.lastPostedTs = posted.ts;
}

/** `POST /commands/{id}`: a response URL works 5 times within 30 minutes of the interaction. */
export async function handleResponseUrl(
  world: SlackWorld,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
): Promise<void> {
  const target = world.responseUrls.get(id);
  const raw = await readRaw(req);
  if (req.method !== 'POST' || !target) {
    sendJson(res, 404, { ok: false, error: 'no_active_hooks' });
    return;
  }
  if (world.now() - target.issuedAt > RESPONSE_URL_TTL_MS) {
    sendJson(res, 404, { ok: false, error: 'expired_url' });
    return;
  }
  if (target.uses >= RESPONSE_URL_MAX_USES) {
    sendJson(res, 404, { ok: false, error: 'used_url' });
    return;
  }
  let body: ResponseMessage;
  try {
    body = JSON.parse(raw.toString('utf8')) as ResponseMessage;
  } catch {
    sendJson(res, 400, { ok: false, error: 'invalid_payload' });
    return;
  }
  target.uses += 1;
  try {
    applyResponse(world, target, body, 'response_url');
    sendJson(res, 200, { ok: true });
  } catch (error) {
    if (!(error instanceof SlackFailure)) throw error;
    sendJson(res, 400, { ok: false, error: error.error });
  }
}
