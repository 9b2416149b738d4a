import type { DbOrTx, Tx } from '../../db/database';

// Queries only. Terms are stored lowercased and trimmed.

export function listTerms(db: DbOrTx) {
  return db
    .selectFrom('prompt_block_terms')
    .leftJoin('users', 'users.id', 'prompt_block_terms.added_by')
    .select([
      'prompt_block_terms.term',
      'prompt_block_terms.added_by',
      'prompt_block_terms.created_at',
      'users.display_name as added_by_name',
    ])
    .orderBy('prompt_block_terms.term')
    .execute();
}

export async function listTermTexts(db: DbOrTx): Promise<string[]> {
  const rows = await db.selectFrom('prompt_block_terms').select('term').execute();
  return rows.map((r) => r.term);
}

/** False when the term was already listed. */
export async function insertTerm(tx: Tx, term: string, addedBy: string): Promise<boolean> {
  const inserted = await tx
    .insertInto('prompt_block_terms')
    .values({ term, added_by: addedBy })
    .onConflict((oc) => oc.column('term').doNothing())
    .returning('term')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** False when the term was not listed. */
export async function deleteTerm(tx: Tx, term: string): Promise<boolean> {
  const deleted = await tx
    .deleteFrom('prompt_block_terms')
    .where('term', '=', term)
    .returning('term')
    .executeTakeFirst();
  return deleted !== undefined;
}
