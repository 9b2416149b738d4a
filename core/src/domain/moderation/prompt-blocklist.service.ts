import type { Config } from '../../config';
import type { Db, DbOrTx } from '../../db/database';
import { clearReadCaches, ReadCache } from '../../db/read-cache';
import { AppError } from '../../errors';
import { publishEvent } from '../../events/event-bus';
import { recordAudit } from '../audit/audit.service';
import * as repo from './prompt-blocklist.repo';

export interface BlockedTerm {
  term: string;
  /** 'config': from PROMPT_BLOCKLIST (change it there); 'admin': added here, removable here. */
  source: 'config' | 'admin';
  addedBy: { userId: string; name: string | null } | null;
  createdAt: Date | null;
}

const normalize = (term: string) => term.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');

/** Every term that blocks a prompt: PROMPT_BLOCKLIST plus what admins added, sorted. */
export async function listBlockedTerms(
  db: DbOrTx,
  config: Pick<Config, 'promptBlocklist'>,
): Promise<BlockedTerm[]> {
  const rows = await repo.listTerms(db);
  const fromAdmins: BlockedTerm[] = rows.map((r) => ({
    term: r.term,
    source: 'admin',
    addedBy: r.added_by ? { userId: r.added_by, name: r.added_by_name } : null,
    createdAt: r.created_at,
  }));
  const listed = new Set(fromAdmins.map((t) => t.term));
  const fromConfig: BlockedTerm[] = config.promptBlocklist
    .map(normalize)
    .filter((term) => !listed.has(term))
    .map((term) => ({ term, source: 'config', addedBy: null, createdAt: null }));
  return [...fromConfig, ...fromAdmins].sort((a, b) => a.term.localeCompare(b.term));
}

/** Admins' terms, kept until one is added or removed anywhere (see ReadCache). */
const adminTerms = new ReadCache((db) => repo.listTermTexts(db));

/** The terms a prompt is checked against; an edit applies at once everywhere. */
export async function activeBlockedTerms(
  db: DbOrTx,
  config: Pick<Config, 'promptBlocklist'>,
): Promise<string[]> {
  const terms = new Set(config.promptBlocklist.map(normalize));
  for (const term of await adminTerms.get(db)) terms.add(term);
  return [...terms].filter(Boolean);
}

/** Adds a word or phrase to the block list; audited with the admin's reason. Adding twice is a no-op. */
export async function addBlockedTerm(
  db: Db,
  input: { term: string; reason: string; actorUserId: string },
): Promise<{ term: string; added: boolean }> {
  const term = normalize(input.term);
  if (term.length < 2)
    throw AppError.invalidInput('A blocked term needs at least 2 characters', { term: ['too short'] });
  const added = await db.transaction().execute(async (tx) => {
    const inserted = await repo.insertTerm(tx, term, input.actorUserId);
    if (inserted) {
      await publishEvent(tx, { type: 'settings' });
      await recordAudit(tx, {
        actorUserId: input.actorUserId,
        action: 'blocklist.add',
        targetType: 'prompt_block_term',
        targetId: term,
        reason: input.reason,
      });
    }
    return inserted;
  });
  if (added) clearReadCaches(db);
  return { term, added };
}

/**
 * Removes a term an admin added (terms from PROMPT_BLOCKLIST are changed in configuration: refused
 * here with a clear message); audited.
 */
export async function removeBlockedTerm(
  db: Db,
  config: Pick<Config, 'promptBlocklist'>,
  input: { term: string; reason: string; actorUserId: string },
): Promise<{ term: string; removed: boolean }> {
  const term = normalize(input.term);
  const removed = await db.transaction().execute(async (tx) => {
    const deleted = await repo.deleteTerm(tx, term);
    if (deleted) {
      await publishEvent(tx, { type: 'settings' });
      await recordAudit(tx, {
        actorUserId: input.actorUserId,
        action: 'blocklist.remove',
        targetType: 'prompt_block_term',
        targetId: term,
        reason: input.reason,
      });
    }
    return deleted;
  });
  if (removed) clearReadCaches(db);
  if (!removed && config.promptBlocklist.map(normalize).includes(term)) {
    throw new AppError('CONFLICT', `"${term}" comes from PROMPT_BLOCKLIST; remove it from the configuration`);
  }
  return { term, removed };
}
