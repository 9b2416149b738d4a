import type { types } from '@slack/bolt';
import { layoutActions } from '../kit/action-layout';
import { SLACK_TRAITS } from '../kit/platform-traits';
import {
  type Action,
  type ActionRow,
  type Inline,
  plainText,
  type Reply,
  type SelectOption,
  spanText,
} from '../kit/reply';

export type KnownBlock = types.KnownBlock;

/** Block Kit limits (docs.slack.dev/reference/block-kit): characters, and counts per block. */
const SECTION_TEXT_LIMIT = 3000;
const HEADER_LIMIT = 150;
const FIELD_LIMIT = 2000;
const FIELDS_PER_SECTION = 10;
const BUTTON_TEXT_LIMIT = 75;
const OPTION_TEXT_LIMIT = 75;
const PLACEHOLDER_LIMIT = 150;
/** The fallback `text` of a message (notifications, screen readers). */
const FALLBACK_LIMIT = 4000;

/** Every action id the app renders starts with this; the adapter routes them to the kit. */
export const ACTION_ID_PREFIX = 'atelier';

const escapeMrkdwn = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function clip(text: string, limit: number): string {
  const chars = [...text];
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}

/** The kit's spans as Slack mrkdwn (`*bold*`, `_italic_`, `` `code` ``, `<url|text>`), escaped. */
export function toMrkdwn(parts: readonly Inline[]): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return escapeMrkdwn(part);
      const text = escapeMrkdwn(spanText(part));
      if ('bold' in part) return text.trim() ? `*${text}*` : text;
      if ('italic' in part) return text.trim() ? `_${text}_` : text;
      if ('code' in part) return `\`${text.replace(/`/g, "'")}\``;
      return `<${part.link.replace(/[<>|]/g, encodeURIComponent)}|${text.replace(/\|/g, '¦')}>`;
    })
    .join('');
}

/** Text longer than a section holds goes into several sections, split at line ends where possible. */
function sections(mrkdwn: string): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let rest = mrkdwn;
  while (rest.length > 0) {
    let cut = rest.length <= SECTION_TEXT_LIMIT ? rest.length : rest.lastIndexOf('\n', SECTION_TEXT_LIMIT);
    if (cut <= 0) cut = SECTION_TEXT_LIMIT;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: rest.slice(0, cut) } });
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  return blocks;
}

const plain = (text: string, limit: number) => ({
  type: 'plain_text' as const,
  text: clip(text, limit),
  emoji: true,
});

function element(action: Action, actionId: string) {
  if (action.type === 'button') {
    return {
      type: 'button' as const,
      action_id: actionId,
      text: plain(action.label, BUTTON_TEXT_LIMIT),
      value: action.action,
      ...(action.style ? { style: action.style } : {}),
    };
  }
  if (action.type === 'link') {
    return {
      type: 'button' as const,
      action_id: actionId,
      text: plain(action.label, BUTTON_TEXT_LIMIT),
      url: action.url,
    };
  }
  const option = (o: SelectOption) => ({
    text: plain(o.label, OPTION_TEXT_LIMIT),
    value: o.action,
    ...(o.description ? { description: plain(o.description, OPTION_TEXT_LIMIT) } : {}),
  });
  const selected = action.options.find((o) => o.selected);
  return {
    type: 'static_select' as const,
    action_id: actionId,
    placeholder: plain(action.placeholder, PLACEHOLDER_LIMIT),
    options: action.options.map(option),
    ...(selected ? { initial_option: option(selected) } : {}),
  };
}

/**
 * Actions as `actions` blocks. A button's kit action string travels as its `value` (it survives
 * restarts: nothing is kept server-side); action ids only need to be unique within the message.
 */
export function actionBlocks(rows: readonly ActionRow[] | undefined): KnownBlock[] {
  return layoutActions(rows, SLACK_TRAITS).map((row, r) => ({
    type: 'actions',
    block_id: `${ACTION_ID_PREFIX}-row-${r}`,
    elements: row.map((action, i) => element(action, `${ACTION_ID_PREFIX}:${r}.${i}`)),
  }));
}

/** A reply as a Slack message: blocks for the layout, `text` as the notification fallback. */
export function toMessage(reply: Reply): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [];
  if (reply.title)
    blocks.push({
      type: 'header',
      text: { type: 'plain_text', text: clip(reply.title, HEADER_LIMIT), emoji: true },
    });
  const body = toMrkdwn(reply.text).trim();
  if (body) blocks.push(...sections(body));
  const fields = (reply.fields ?? []).map((f) => ({
    type: 'mrkdwn' as const,
    text: clip(`*${escapeMrkdwn(f.label)}*\n${toMrkdwn(f.value)}`, FIELD_LIMIT),
  }));
  for (let i = 0; i < fields.length; i += FIELDS_PER_SECTION) {
    blocks.push({ type: 'section', fields: fields.slice(i, i + FIELDS_PER_SECTION) });
  }
  blocks.push(...actionBlocks(reply.actions));
  const fallback = [reply.title, plainText(reply.text)].filter(Boolean).join('\n');
  return { text: clip(fallback || '…', FALLBACK_LIMIT), blocks };
}

/** The blocks of a message with its actions replaced (a pressed button's message). */
export function withActions(blocks: readonly KnownBlock[], actions: readonly ActionRow[]): KnownBlock[] {
  const kept = blocks.filter(
    (b) => !(b.type === 'actions' && (b.block_id ?? '').startsWith(`${ACTION_ID_PREFIX}-row-`)),
  );
  return [...kept, ...actionBlocks(actions)];
}
