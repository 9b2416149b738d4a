import type { Block } from './slack-model';
import { SlackFailure } from './slack-world';

// Block Kit limits Slack enforces on messages and views (https://docs.slack.dev/reference/block-kit):
// answering `invalid_blocks` here catches layouts that real Slack would refuse.
const MESSAGE_BLOCKS_MAX = 50;
const VIEW_BLOCKS_MAX = 100;
const ACTIONS_ELEMENTS_MAX = 25;
const SECTION_TEXT_MAX = 3000;
const BUTTON_TEXT_MAX = 75;
const BUTTON_VALUE_MAX = 2000;
const ACTION_ID_MAX = 255;
const STATIC_SELECT_OPTIONS_MAX = 100;
const KNOWN_BLOCKS = new Set([
  'section',
  'actions',
  'context',
  'divider',
  'header',
  'image',
  'input',
  'rich_text',
  'file',
  'video',
]);

interface TextObject {
  type?: string;
  text?: string;
}

const textOf = (value: unknown): string => (value as TextObject | undefined)?.text ?? '';

function invalid(index: number, why: string): never {
  throw new SlackFailure('invalid_blocks', { errors: [`${why} [json-pointer:/blocks/${index}]`] });
}

function checkElement(element: Record<string, unknown>, index: number): void {
  const actionId = element.action_id;
  if (typeof actionId === 'string' && actionId.length > ACTION_ID_MAX)
    invalid(index, `must be less than ${ACTION_ID_MAX + 1} characters (action_id)`);
  if (element.type === 'button') {
    if (textOf(element.text).length === 0) invalid(index, 'button text is required');
    if (textOf(element.text).length > BUTTON_TEXT_MAX)
      invalid(index, `must be less than ${BUTTON_TEXT_MAX + 1} characters (button text)`);
    if (typeof element.value === 'string' && element.value.length > BUTTON_VALUE_MAX)
      invalid(index, `must be less than ${BUTTON_VALUE_MAX + 1} characters (button value)`);
  }
  if (element.type === 'static_select') {
    const options = element.options as unknown[] | undefined;
    if (!Array.isArray(options) || options.length === 0) invalid(index, 'select needs options');
    if (options.length > STATIC_SELECT_OPTIONS_MAX)
      invalid(index, `must provide no more than ${STATIC_SELECT_OPTIONS_MAX} items (options)`);
  }
}

/** Throws `invalid_blocks` the way Slack does for the layouts it refuses. */
export function validateBlocks(blocks: unknown, where: 'message' | 'view'): Block[] {
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks)) throw new SlackFailure('invalid_blocks_format');
  const max = where === 'message' ? MESSAGE_BLOCKS_MAX : VIEW_BLOCKS_MAX;
  if (blocks.length > max)
    throw new SlackFailure('invalid_blocks', { errors: [`no more than ${max} items allowed`] });
  blocks.forEach((raw, index) => {
    const block = raw as Block;
    if (!block || typeof block.type !== 'string' || !KNOWN_BLOCKS.has(block.type))
      invalid(index, 'unknown block type');
    if (block.type === 'section' && textOf(block.text).length > SECTION_TEXT_MAX)
      invalid(index, `must be less than ${SECTION_TEXT_MAX + 1} characters (text)`);
    if (block.type === 'actions') {
      const elements = block.elements as Record<string, unknown>[] | undefined;
      if (!Array.isArray(elements) || elements.length === 0) invalid(index, 'actions need elements');
      if (elements.length > ACTIONS_ELEMENTS_MAX)
        invalid(index, `must provide no more than ${ACTIONS_ELEMENTS_MAX} items (elements)`);
      for (const element of elements) checkElement(element, index);
    }
    if (block.type === 'section' && block.accessory)
      checkElement(block.accessory as Record<string, unknown>, index);
    if (block.type === 'input' && !block.element) invalid(index, 'input needs an element');
  });
  return blocks as Block[];
}

/** The buttons of a message, in order: what a member can press. */
export function buttonsOf(
  blocks: readonly Block[],
): { actionId: string; blockId: string; text: string; value?: string; url?: string }[] {
  const buttons: { actionId: string; blockId: string; text: string; value?: string; url?: string }[] = [];
  for (const block of blocks) {
    const elements =
      block.type === 'actions'
        ? (block.elements as Record<string, unknown>[])
        : block.type === 'section' && block.accessory
          ? [block.accessory as Record<string, unknown>]
          : [];
    for (const element of elements) {
      if (element.type !== 'button') continue;
      buttons.push({
        actionId: String(element.action_id ?? ''),
        blockId: String(block.block_id ?? ''),
        text: textOf(element.text),
        ...(typeof element.value === 'string' ? { value: element.value } : {}),
        ...(typeof element.url === 'string' ? { url: element.url } : {}),
      });
    }
  }
  return buttons;
}

/** The select menus of a message (static_select in actions blocks), with their options. */
export function selectsOf(
  blocks: readonly Block[],
): { actionId: string; blockId: string; options: { text: string; value: string }[] }[] {
  return blocks.flatMap((block) =>
    block.type !== 'actions'
      ? []
      : (block.elements as Record<string, unknown>[])
          .filter((e) => e.type === 'static_select')
          .map((e) => ({
            actionId: String(e.action_id ?? ''),
            blockId: String(block.block_id ?? ''),
            options: ((e.options as { text: { text: string }; value: string }[]) ?? []).map((o) => ({
              text: o.text.text,
              value: o.value,
            })),
          })),
  );
}

/** The visible text of blocks (section, header, context), for transcripts. */
export function blocksText(blocks: readonly Block[]): string {
  const lines: string[] = [];
  for (const block of blocks) {
    if (block.type === 'section' || block.type === 'header') {
      if (block.text) lines.push(textOf(block.text));
      for (const field of (block.fields as TextObject[] | undefined) ?? []) lines.push(field.text ?? '');
    }
    if (block.type === 'context') {
      for (const element of (block.elements as TextObject[] | undefined) ?? [])
        lines.push(element.text ?? '');
    }
  }
  return lines.filter(Boolean).join('\n');
}
