/**
 * Actions laid out within a platform's limits: rows split to the buttons a row may hold, selects
 * turned into buttons where there are no select menus, action strings that are too long dropped,
 * never more rows than allowed. Long lists page themselves with `pagedChoices`.
 */
import type { PlatformTraits } from './platform-traits';
import { type Action, type ActionRow, button, type SelectOption } from './reply';

const fits = (action: Action, traits: PlatformTraits) =>
  action.type !== 'button' || Buffer.byteLength(action.action) <= traits.maxActionBytes;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += Math.max(1, size)) rows.push(items.slice(i, i + Math.max(1, size)));
  return rows;
}

/** The rows as the platform can show them. */
export function layoutActions(rows: readonly ActionRow[] | undefined, traits: PlatformTraits): ActionRow[] {
  const out: ActionRow[] = [];
  for (const row of rows ?? []) {
    let buttons: Action[] = [];
    const flush = () => {
      out.push(...chunk(buttons, traits.maxActionsPerRow));
      buttons = [];
    };
    for (const action of row) {
      if (action.type !== 'select') {
        if (fits(action, traits)) buttons.push(action);
        continue;
      }
      const options = action.options.filter((o) => Buffer.byteLength(o.action) <= traits.maxActionBytes);
      if (traits.selectMenus) {
        flush();
        if (options.length > 0) out.push([{ ...action, options: options.slice(0, traits.maxSelectOptions) }]);
      } else {
        flush();
        buttons.push(...options.map((o) => button(o.selected ? `✓ ${o.label}` : o.label, o.action)));
        flush();
      }
    }
    flush();
  }
  return out.filter((row) => row.length > 0).slice(0, traits.maxActionRows);
}

export interface PagedChoices {
  rows: ActionRow[];
  page: number;
  pages: number;
}

/**
 * One page of a long list of choices: a select menu where the platform has them, otherwise buttons
 * in `columns` columns; a last row of Previous/Next when there is more than one page.
 */
export function pagedChoices(
  options: readonly SelectOption[],
  opts: {
    page: number;
    traits: PlatformTraits;
    placeholder: string;
    pageAction(page: number): string;
    columns?: number;
  },
): PagedChoices {
  const { traits } = opts;
  const columns = Math.min(opts.columns ?? 2, traits.maxActionsPerRow);
  const rowsForChoices = Math.max(1, traits.maxActionRows - 1);
  const perPage = traits.selectMenus
    ? traits.maxSelectOptions * Math.min(rowsForChoices, 1)
    : rowsForChoices * columns;
  const pages = Math.max(1, Math.ceil(options.length / perPage));
  const page = Math.min(Math.max(1, opts.page), pages);
  const slice = options.slice((page - 1) * perPage, page * perPage);
  const rows: ActionRow[] = traits.selectMenus
    ? [[{ type: 'select', placeholder: opts.placeholder, options: [...slice] }]]
    : chunk(
        slice.map((o) => button(o.selected ? `✓ ${o.label}` : o.label, o.action)),
        columns,
      );
  if (pages > 1) {
    const nav: ActionRow = [];
    if (page > 1) nav.push(button('‹ Previous', opts.pageAction(page - 1)));
    if (page < pages) nav.push(button('Next ›', opts.pageAction(page + 1)));
    rows.push(nav);
  }
  return { rows, page, pages };
}
