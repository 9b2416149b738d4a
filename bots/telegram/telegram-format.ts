import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { layoutActions } from '../kit/action-layout';
import { TELEGRAM_TRAITS } from '../kit/platform-traits';
import { type ActionRow, type Inline, spanText } from '../kit/reply';

/** Telegram's limits, in characters of the text after entities are parsed. */
export const MESSAGE_LIMIT = 4096;
export const CAPTION_LIMIT = 1024;
export const CALLBACK_ANSWER_LIMIT = 200;

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (text: string) => escapeHtml(text).replace(/"/g, '&quot;');

function clipTo(text: string, room: number): string {
  const chars = [...text];
  return chars.length <= room ? text : `${chars.slice(0, Math.max(0, room - 1)).join('')}…`;
}

/** The kit's spans as Telegram HTML (parse_mode 'HTML'), clipped so the visible text fits `limit`. */
export function toHtml(parts: readonly Inline[], limit = MESSAGE_LIMIT): string {
  let room = limit;
  let html = '';
  for (const part of parts) {
    if (room <= 0) break;
    const visible = spanText(part);
    const text = clipTo(visible, room);
    room -= [...text].length;
    if (typeof part === 'string') html += escapeHtml(text);
    else if ('bold' in part) html += `<b>${escapeHtml(text)}</b>`;
    else if ('italic' in part) html += `<i>${escapeHtml(text)}</i>`;
    else if ('code' in part) html += `<code>${escapeHtml(text)}</code>`;
    else html += `<a href="${escapeAttr(part.link)}">${escapeHtml(text)}</a>`;
  }
  return html.trim() === '' ? '…' : html;
}

/**
 * The kit's actions as an inline keyboard, laid out within Telegram's limits (selects become
 * buttons, links become URL buttons); undefined for none (an edit without it removes the keyboard).
 */
export function keyboard(rows: readonly ActionRow[] | undefined): InlineKeyboardMarkup | undefined {
  const laid = layoutActions(rows, TELEGRAM_TRAITS);
  if (laid.length === 0) return undefined;
  return {
    inline_keyboard: laid.map((row) =>
      row.flatMap((a): InlineKeyboardButton[] =>
        a.type === 'link'
          ? [{ text: a.label, url: a.url }]
          : a.type === 'button'
            ? [{ text: a.label, callback_data: a.action }]
            : [],
      ),
    ),
  };
}
