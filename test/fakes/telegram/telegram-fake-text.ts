// Text formatting the way the Bot API server (tdlib) does it: parse_mode HTML / MarkdownV2 / Markdown into
// plain text + entities (with tdlib's error texts), automatic entities (bot_command, mention, hashtag, url,
// email), trimming and length counting. Offsets are UTF-16 code units, like Telegram's.
import type { MessageEntity } from 'grammy/types';

export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

/** Thrown with tdlib's message; the API layer prefixes "Bad Request: can't parse entities: ". */
export class EntityParseError extends Error {}

export const PARSE_MODES = ['HTML', 'MarkdownV2', 'Markdown'] as const;

const fail = (message: string): never => {
  throw new EntityParseError(message);
};
const byteOffset = (src: string, index: number) => Buffer.byteLength(src.slice(0, index));
const isSpace = (c: string | undefined) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\0';
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/** Number of characters as Telegram counts them for the 4096 / 1024 limits (code points). */
export const textLength = (text: string) => [...text].length;

/** tdlib's URL normalisation, simplified: returns undefined when Telegram would drop the link. */
export function normalizeUrl(raw: string): string | undefined {
  const url = raw.trim();
  if (!url) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme) {
    if (scheme === 'tg' || scheme === 'ton' || scheme === 'mailto') return url;
    if (scheme !== 'http' && scheme !== 'https' && scheme !== 'ftp') return undefined;
    try {
      return new URL(url).toString();
    } catch {
      return undefined;
    }
  }
  if (!/^[\w-]+(\.[\w-]+)+(:\d+)?([/?#].*)?$/.test(url)) return undefined;
  try {
    return new URL(`http://${url}`).toString();
  } catch {
    return undefined;
  }
}

function linkEntity(offset: number, length: number, url: string): MessageEntity | undefined {
  const userId = /^tg:(?:\/\/)?user\?id=(\d+)$/i.exec(url)?.[1];
  if (userId) {
    return {
      type: 'text_mention',
      offset,
      length,
      user: { id: Number(userId), is_bot: false, first_name: '' },
    };
  }
  const normalized = normalizeUrl(url);
  return normalized ? { type: 'text_link', offset, length, url: normalized } : undefined;
}

// ---------------------------------------------------------------------------------------------- HTML

const HTML_TAGS = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  's',
  'strike',
  'del',
  'u',
  'ins',
  'tg-spoiler',
  'tg-emoji',
  'span',
  'pre',
  'code',
  'blockquote',
]);
const HTML_NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

function decodeHtmlEntity(src: string, at: number): [string, number] {
  if (src[at + 1] === '#') {
    let j = at + 2;
    const hex = src[j] === 'x' || src[j] === 'X';
    if (hex) j++;
    const start = j;
    while (j < src.length && (hex ? /[0-9a-f]/i : /[0-9]/).test(src[j] ?? '')) j++;
    if (j === start || j - start > 8) return ['&', at + 1];
    const code = Number.parseInt(src.slice(start, j), hex ? 16 : 10);
    if (code === 0 || code > 0x10ffff) return ['&', at + 1];
    if (code >= 0xd800 && code <= 0xdfff) {
      fail(
        'Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units',
      );
    }
    return [String.fromCodePoint(code), src[j] === ';' ? j + 1 : j];
  }
  let j = at + 1;
  while (j < src.length && /[a-z]/i.test(src[j] ?? '')) j++;
  const decoded = HTML_NAMED[src.slice(at + 1, j)];
  if (decoded === undefined) return ['&', at + 1];
  return [decoded, src[j] === ';' ? j + 1 : j];
}

interface OpenTag {
  tag: string;
  arg: string;
  offset: number;
  expandable: boolean;
}

export function parseHtml(src: string): FormattedText {
  let out = '';
  const stack: OpenTag[] = [];
  const entities: MessageEntity[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '&') {
      const [decoded, next] = decodeHtmlEntity(src, i);
      out += decoded;
      i = next;
      continue;
    }
    if (c !== '<') {
      out += c;
      i++;
      continue;
    }
    const begin = i;
    const at = () => byteOffset(src, begin);
    i++;
    if (src[i] !== '/') {
      let tagEnd = i;
      while (tagEnd < src.length && !isSpace(src[tagEnd]) && src[tagEnd] !== '>') tagEnd++;
      if (tagEnd >= src.length) fail(`Unclosed start tag at byte offset ${at()}`);
      const tag = src.slice(i, tagEnd).toLowerCase();
      if (!HTML_TAGS.has(tag)) fail(`Unsupported start tag "${tag}" at byte offset ${at()}`);
      i = tagEnd;
      let arg = '';
      let expandable = false;
      while (src[i] !== '>') {
        while (i < src.length && isSpace(src[i])) i++;
        if (src[i] === '>') break;
        const nameBegin = i;
        while (i < src.length && !isSpace(src[i]) && src[i] !== '=' && src[i] !== '>') i++;
        const name = src.slice(nameBegin, i).toLowerCase();
        if (!name) fail(`Empty attribute name in the tag "${tag}" at byte offset ${at()}`);
        while (i < src.length && isSpace(src[i])) i++;
        if (src[i] !== '=') {
          if (i >= src.length) fail(`Unclosed start tag "${tag}" at byte offset ${at()}`);
          if (tag === 'blockquote' && name === 'expandable') expandable = true;
          continue;
        }
        i++;
        while (i < src.length && isSpace(src[i])) i++;
        if (i >= src.length) fail(`Unclosed start tag "${tag}" at byte offset ${at()}`);
        let value = '';
        const quote = src[i];
        if (quote !== '"' && quote !== "'") {
          const tokenBegin = i;
          while (i < src.length && /[a-z0-9.-]/i.test(src[i] ?? '')) i++;
          value = src.slice(tokenBegin, i).toLowerCase();
          if (!isSpace(src[i]) && src[i] !== '>') {
            fail(`Unexpected end of name token at byte offset ${byteOffset(src, tokenBegin)}`);
          }
        } else {
          i++;
          while (i < src.length && src[i] !== quote) {
            if (src[i] === '&') {
              const [decoded, next] = decodeHtmlEntity(src, i);
              value += decoded;
              i = next;
            } else {
              value += src[i];
              i++;
            }
          }
          if (src[i] === quote) i++;
        }
        if (i >= src.length) fail(`Unclosed start tag at byte offset ${at()}`);
        if (tag === 'a' && name === 'href') arg = value;
        else if (tag === 'code' && name === 'class' && value.startsWith('language-')) arg = value.slice(9);
        else if (tag === 'span' && name === 'class' && value.startsWith('tg-')) arg = value.slice(3);
        else if (tag === 'tg-emoji' && name === 'emoji-id') arg = value;
        else if (tag === 'blockquote' && name === 'expandable') expandable = true;
      }
      if (tag === 'span' && arg !== 'spoiler')
        fail(`Tag "span" must have class "tg-spoiler" at byte offset ${at()}`);
      stack.push({ tag, arg, offset: out.length, expandable });
      i++;
      continue;
    }
    // end tag
    const top = stack.pop();
    if (!top) fail(`Unexpected end tag at byte offset ${at()}`);
    const open = top as OpenTag;
    i++;
    const nameBegin = i;
    while (i < src.length && !isSpace(src[i]) && src[i] !== '>') i++;
    const endName = src.slice(nameBegin, i).toLowerCase();
    while (i < src.length && isSpace(src[i])) i++;
    if (src[i] !== '>') fail(`Unclosed end tag at byte offset ${at()}`);
    if (endName && endName !== open.tag) {
      fail(`Unmatched end tag at byte offset ${at()}, expected "</${open.tag}>", found "</${endName}>"`);
    }
    i++;
    const length = out.length - open.offset;
    if (length <= 0) continue;
    const entity = htmlEntity(open, length, out.slice(open.offset));
    if (!entity) continue;
    const last = entities[entities.length - 1];
    if (
      last &&
      last.offset === entity.offset &&
      last.length === entity.length &&
      ((entity.type === 'pre' && last.type === 'code' && open.arg === '' && codeLanguage.get(last)) ||
        (entity.type === 'code' && last.type === 'pre' && open.arg))
    ) {
      // <pre><code class="language-x">…</code></pre> (either nesting order) is one pre entity with a language
      const language = entity.type === 'code' ? open.arg : (codeLanguage.get(last) ?? '');
      entities[entities.length - 1] = { type: 'pre', offset: entity.offset, length: entity.length, language };
      continue;
    }
    entities.push(entity);
  }
  if (stack.length) fail(`Can't find end tag corresponding to start tag "${stack[stack.length - 1]?.tag}"`);
  return { text: out, entities: sortEntities(entities) };
}

const codeLanguage = new WeakMap<MessageEntity, string>();

function htmlEntity(open: OpenTag, length: number, inner: string): MessageEntity | undefined {
  const offset = open.offset;
  switch (open.tag) {
    case 'b':
    case 'strong':
      return { type: 'bold', offset, length };
    case 'i':
    case 'em':
      return { type: 'italic', offset, length };
    case 'u':
    case 'ins':
      return { type: 'underline', offset, length };
    case 's':
    case 'strike':
    case 'del':
      return { type: 'strikethrough', offset, length };
    case 'tg-spoiler':
    case 'span':
      return { type: 'spoiler', offset, length };
    case 'pre':
      return { type: 'pre', offset, length };
    case 'code': {
      const entity: MessageEntity = { type: 'code', offset, length };
      if (open.arg) codeLanguage.set(entity, open.arg);
      return entity;
    }
    case 'a':
      return linkEntity(offset, length, open.arg || inner);
    case 'tg-emoji':
      return /^\d+$/.test(open.arg)
        ? { type: 'custom_emoji', offset, length, custom_emoji_id: open.arg }
        : undefined;
    case 'blockquote':
      return { type: open.expandable ? 'expandable_blockquote' : 'blockquote', offset, length };
    default:
      return undefined;
  }
}

// ----------------------------------------------------------------------------------------- MarkdownV2

type MdType =
  | 'bold'
  | 'italic'
  | 'underline'
  | 'strikethrough'
  | 'spoiler'
  | 'code'
  | 'pre'
  | 'text_link'
  | 'custom_emoji';
const MD_NAMES: Record<MdType, string> = {
  bold: 'Bold',
  italic: 'Italic',
  underline: 'Underline',
  strikethrough: 'Strikethrough',
  spoiler: 'Spoiler',
  code: 'Code',
  pre: 'Pre',
  text_link: 'TextUrl',
  custom_emoji: 'CustomEmoji',
};
const RESERVED_V2 = '_*[]()~`>#+-=|{}.!';

export function parseMarkdownV2(src: string): FormattedText {
  let out = '';
  const entities: MessageEntity[] = [];
  const stack: Array<{ type: MdType; offset: number; byteAt: number; language: string }> = [];
  let quote: { offset: number; expandable: boolean } | undefined;
  const closeQuote = () => {
    if (quote && out.length > quote.offset) {
      entities.push({
        type: quote.expandable ? 'expandable_blockquote' : 'blockquote',
        offset: quote.offset,
        length: out.length - quote.offset,
      });
    }
    quote = undefined;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    const top = stack[stack.length - 1];
    const inCode = top?.type === 'code' || top?.type === 'pre';
    const lineStart = i === 0 || src[i - 1] === '\n' || src[i - 1] === '\r';
    if (lineStart && !inCode && c !== '\n' && c !== '\r') {
      if (src.startsWith('**>', i)) {
        if (!quote) quote = { offset: out.length, expandable: true };
        i += 2;
        continue;
      }
      if (c === '>') {
        if (!quote) quote = { offset: out.length, expandable: false };
        continue;
      }
      closeQuote();
    }
    const code = src.charCodeAt(i + 1);
    if (c === '\\' && code > 0 && code <= 126) {
      out += src[i + 1];
      i++;
      continue;
    }
    if (!(inCode ? '`' : RESERVED_V2).includes(c)) {
      out += c;
      continue;
    }
    let isEnd = false;
    if (top) {
      switch (top.type) {
        case 'bold':
          isEnd = c === '*';
          break;
        case 'italic':
          isEnd = c === '_' && src[i + 1] !== '_';
          break;
        case 'underline':
          isEnd = c === '_' && src[i + 1] === '_';
          break;
        case 'strikethrough':
          isEnd = c === '~';
          break;
        case 'spoiler':
          isEnd = c === '|' && src[i + 1] === '|';
          break;
        case 'code':
          isEnd = c === '`';
          break;
        case 'pre':
          isEnd = src.startsWith('```', i);
          break;
        case 'text_link':
        case 'custom_emoji':
          isEnd = c === ']';
          break;
      }
    }
    if (!isEnd) {
      const byteAt = byteOffset(src, i);
      let type: MdType;
      let language = '';
      switch (c) {
        case '_':
          type = src[i + 1] === '_' ? 'underline' : 'italic';
          if (type === 'underline') i++;
          break;
        case '*':
          type = 'bold';
          break;
        case '~':
          type = 'strikethrough';
          break;
        case '[':
          type = 'text_link';
          break;
        case '|':
          if (src[i + 1] !== '|')
            fail(`Character '|' is reserved and must be escaped with the preceding '\\'`);
          type = 'spoiler';
          i++;
          break;
        case '!':
          if (src[i + 1] !== '[')
            fail(`Character '!' is reserved and must be escaped with the preceding '\\'`);
          type = 'custom_emoji';
          i++;
          break;
        case '`':
          if (src.startsWith('```', i)) {
            type = 'pre';
            i += 3;
            let end = i;
            while (end < src.length && !isSpace(src[end]) && src[end] !== '`') end++;
            if (end !== i && end < src.length && src[end] !== '`') {
              language = src.slice(i, end);
              i = end;
            }
            if (src[i] === '\n' || src[i] === '\r') {
              const next = src[i + 1];
              i += (next === '\n' || next === '\r') && next !== src[i] ? 2 : 1;
            }
            i--;
          } else {
            type = 'code';
          }
          break;
        default:
          return fail(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
      }
      stack.push({ type, offset: out.length, byteAt, language });
      continue;
    }
    const open = stack.pop() as NonNullable<typeof top>;
    let skip = out.length === open.offset;
    let entity: MessageEntity | undefined;
    const length = out.length - open.offset;
    switch (open.type) {
      case 'underline':
      case 'spoiler':
        i++;
        break;
      case 'pre':
        i += 2;
        break;
      case 'text_link':
      case 'custom_emoji': {
        let url = '';
        if (src[i + 1] !== '(') {
          url = out.slice(open.offset);
        } else {
          i += 2;
          const urlBegin = i;
          while (i < src.length && src[i] !== ')') {
            const next = src.charCodeAt(i + 1);
            if (src[i] === '\\' && next > 0 && next <= 126) {
              url += src[i + 1];
              i += 2;
              continue;
            }
            url += src[i];
            i++;
          }
          if (src[i] !== ')') {
            fail(
              `Can't find end of ${open.type === 'text_link' ? 'a URL' : 'a custom emoji URL'} at byte offset ${byteOffset(src, urlBegin)}`,
            );
          }
        }
        if (open.type === 'custom_emoji') {
          const id = /^tg:\/\/emoji\?id=(\d+)$/i.exec(url)?.[1];
          if (!id) fail('Custom emoji entity must contain a tg://emoji URL');
          entity = { type: 'custom_emoji', offset: open.offset, length, custom_emoji_id: id as string };
        } else {
          entity = linkEntity(open.offset, length, url);
          if (!entity) skip = true;
        }
        break;
      }
      default:
        break;
    }
    if (skip) continue;
    if (!entity) {
      entity =
        open.type === 'pre' && open.language
          ? { type: 'pre', offset: open.offset, length, language: open.language }
          : ({ type: open.type, offset: open.offset, length } as MessageEntity);
    }
    entities.push(entity);
  }
  const open = stack[stack.length - 1];
  if (open) {
    const name = open.type === 'pre' && open.language ? 'PreCode' : MD_NAMES[open.type];
    fail(`Can't find end of ${name} entity at byte offset ${open.byteAt}`);
  }
  closeQuote();
  return { text: out, entities: sortEntities(entities) };
}

// ----------------------------------------------------------------------------------- Markdown (legacy)

export function parseMarkdownLegacy(src: string): FormattedText {
  let out = '';
  const entities: MessageEntity[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === '\\' && '_*`['.includes(src[i + 1] ?? 'x')) {
      out += src[i + 1];
      i++;
      continue;
    }
    if (!'_*`['.includes(c)) {
      out += c;
      continue;
    }
    const begin = i;
    const endChar = c === '[' ? ']' : c;
    let isPre = false;
    let language = '';
    i++;
    if (c === '`' && src[i] === '`' && src[i + 1] === '`') {
      i += 2;
      isPre = true;
      let end = i;
      while (end < src.length && !isSpace(src[end]) && src[end] !== '`') end++;
      if (end !== i && end < src.length && src[end] !== '`') {
        language = src.slice(i, end);
        i = end;
      }
      if (src[i] === '\n' || src[i] === '\r') {
        const next = src[i + 1];
        i += (next === '\n' || next === '\r') && next !== src[i] ? 2 : 1;
      }
    }
    const offset = out.length;
    while (i < src.length && (src[i] !== endChar || (isPre && !(src[i + 1] === '`' && src[i + 2] === '`')))) {
      out += src[i];
      i++;
    }
    if (i >= src.length)
      fail(`Can't find end of the entity starting at byte offset ${byteOffset(src, begin)}`);
    const length = out.length - offset;
    if (length > 0) {
      if (c === '_') entities.push({ type: 'italic', offset, length });
      else if (c === '*') entities.push({ type: 'bold', offset, length });
      else if (c === '`') {
        entities.push(
          isPre
            ? language
              ? { type: 'pre', offset, length, language }
              : { type: 'pre', offset, length }
            : { type: 'code', offset, length },
        );
      } else {
        let url = out.slice(offset);
        if (src[i + 1] === '(') {
          i += 2;
          url = '';
          while (i < src.length && src[i] !== ')') {
            url += src[i];
            i++;
          }
        }
        const entity = linkEntity(offset, length, url);
        if (entity) entities.push(entity);
      }
    }
    if (isPre) i += 2;
  }
  return { text: out, entities: sortEntities(entities) };
}

// ------------------------------------------------------------------------------------ auto entities

const OPAQUE: ReadonlySet<string> = new Set([
  'code',
  'pre',
  'text_link',
  'text_mention',
  'custom_emoji',
  'url',
]);

/** Entities Telegram detects by itself in any message text (bot_command, mention, hashtag, url, email). */
export function findAutoEntities(text: string): MessageEntity[] {
  const found: MessageEntity[] = [];
  const add = (
    type: 'bot_command' | 'mention' | 'hashtag' | 'url' | 'email',
    offset: number,
    length: number,
  ) => found.push({ type, offset, length });
  for (const m of text.matchAll(/\/([a-zA-Z0-9_]+)(@[a-zA-Z0-9_]+)?/g)) {
    const at = m.index;
    const end = at + m[0].length;
    const prev = text[at - 1];
    const next = text[end];
    if (prev !== undefined && (isWordChar(prev) || '/<>'.includes(prev))) continue;
    if (next !== undefined && (isWordChar(next) || '/<>'.includes(next))) continue;
    if ((m[1]?.length ?? 0) > 64 || (m[2] !== undefined && (m[2].length < 4 || m[2].length > 33))) continue;
    if (m[2] === undefined && next === '@') continue;
    add('bot_command', at, m[0].length);
  }
  for (const m of text.matchAll(/@([a-zA-Z0-9_]+)/g)) {
    const len = m[1]?.length ?? 0;
    if (isWordChar(text[m.index - 1]) || isWordChar(text[m.index + m[0].length]) || len < 2 || len > 32)
      continue;
    if (found.some((e) => e.offset < m.index && m.index < e.offset + e.length)) continue;
    add('mention', m.index, m[0].length);
  }
  for (const m of text.matchAll(/#[\p{L}\p{Nd}_]+/gu)) {
    if (/[\p{L}\p{Nd}_]/u.test(text[m.index - 1] ?? '') || text[m.index + m[0].length] === '#') continue;
    if (!/\p{L}/u.test(m[0])) continue;
    add('hashtag', m.index, m[0].length);
  }
  for (const m of text.matchAll(/\b(?:https?:\/\/|www\.)[^\s<>"]+/gi)) {
    const trimmed = m[0].replace(/[.,;:!?)\]'}]+$/, '');
    add('url', m.index, trimmed.length);
  }
  for (const m of text.matchAll(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g)) {
    if (isWordChar(text[m.index - 1])) continue;
    add('email', m.index, m[0].length);
  }
  return found;
}

/** Adds auto entities that don't collide with explicit ones, the way tdlib merges them. */
export function withAutoEntities(formatted: FormattedText): FormattedText {
  const taken = formatted.entities;
  const overlaps = (a: MessageEntity, b: MessageEntity) =>
    a.offset < b.offset + b.length && b.offset < a.offset + a.length;
  const auto = findAutoEntities(formatted.text).filter(
    (e, index, all) =>
      !taken.some((t) => OPAQUE.has(t.type) && overlaps(t, e)) &&
      !all.some((o, j) => j < index && overlaps(o, e)),
  );
  return { text: formatted.text, entities: sortEntities([...taken, ...auto]) };
}

// tdlib's MessageEntity::get_type_priority: orders entities that share offset and length.
const PRIORITY: Record<string, number> = {
  blockquote: 0,
  expandable_blockquote: 0,
  pre: 11,
  code: 20,
  text_link: 49,
  text_mention: 49,
  bold: 90,
  italic: 91,
  underline: 92,
  strikethrough: 93,
  spoiler: 94,
  custom_emoji: 99,
};
const priority = (e: MessageEntity) => (e.type === 'pre' && e.language ? 10 : (PRIORITY[e.type] ?? 50));

export function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return [...entities].sort(
    (a, b) => a.offset - b.offset || b.length - a.length || priority(a) - priority(b),
  );
}

/** Strips leading/trailing whitespace not covered by an entity and shifts the entities accordingly. */
export function trimFormatted({ text, entities }: FormattedText): FormattedText {
  const covered = (i: number) => entities.some((e) => e.offset <= i && i < e.offset + e.length);
  let start = 0;
  let end = text.length;
  while (start < end && /\s/.test(text[start] ?? '') && !covered(start)) start++;
  while (end > start && /\s/.test(text[end - 1] ?? '') && !covered(end - 1)) end--;
  if (start === 0 && end === text.length) return { text, entities };
  const shifted: MessageEntity[] = [];
  for (const e of entities) {
    const from = Math.max(e.offset, start);
    const to = Math.min(e.offset + e.length, end);
    if (to > from) shifted.push({ ...e, offset: from - start, length: to - from });
  }
  return { text: text.slice(start, end), entities: shifted };
}

/**
 * Full pipeline for a text or caption: parse_mode or explicit entities, trimming, auto entities.
 * Throws EntityParseError for malformed markup and RangeError('parse_mode') for an unknown parse mode.
 */
export function formatText(
  input: string,
  parseMode: string | undefined,
  explicit: MessageEntity[] | undefined,
): FormattedText {
  let formatted: FormattedText;
  if (parseMode && explicit === undefined) {
    const mode = parseMode.toLowerCase();
    if (mode === 'html') formatted = parseHtml(input);
    else if (mode === 'markdownv2') formatted = parseMarkdownV2(input);
    else if (mode === 'markdown') formatted = parseMarkdownLegacy(input);
    else throw new RangeError('parse_mode');
  } else {
    formatted = { text: input, entities: sortEntities(explicit ?? []) };
  }
  return withAutoEntities(trimFormatted(formatted));
}
