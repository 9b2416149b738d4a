import type { CoreClient } from './core-client';
import { parseIdRef, UsageError } from './parse-args';

const PAGES_SEARCHED = 4;
const PAGE_SIZE = 50;

/**
 * A typed generation id as the full UUID core needs. Short ids (the 8 characters shown in chat) are
 * looked up among the user's own most recent 200 generations; buttons always carry full ids.
 */
export async function resolveGenerationId(client: CoreClient, typed: string): Promise<string> {
  const ref = parseIdRef(typed);
  if ('full' in ref) return ref.full;
  const matches: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < PAGES_SEARCHED; page++) {
    const result = await client.history.list.query({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    matches.push(...result.items.filter((g) => g.id.startsWith(ref.prefix)).map((g) => g.id));
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0)
    throw new UsageError(`None of your recent generations has the id ${ref.prefix}; see /history`);
  throw new UsageError(`Several of your generations start with ${ref.prefix}; type more of the id`);
}
