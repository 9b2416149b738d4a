import { describe, expect, it } from 'vitest';
import { useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { makeUser } from '../../../../test/support/factories';
import { makeGeneration } from '../../../../test/support/generations';
import type { GenerationCategory, GenerationRow } from '../../db/types';
import { feed, publish } from '../gallery/gallery.service';
import { type GenerationView, toGenerationViews } from '../generation/generation-view';
import { listHistoryPage } from './history.service';

// History and gallery pages read a generation with its outputs and gallery state in one statement.
// Over a seeded history, every page must equal the views built the other way (rows first, then their
// outputs and gallery states by separate queries), for every filter, across cursors and inserts.

const t = useTestDatabase();
const core = useTestCore(t, { GALLERY_AUTO_APPROVE: 'true' });

/** Signed links name the second they were signed in: compare what they point at. */
function unsigned<T extends { outputs: { url: string | null }[] }>(views: T[]): T[] {
  return views.map((v) => ({
    ...v,
    outputs: v.outputs.map((o) => ({ ...o, url: o.url?.split('?')[0] ?? null })),
  }));
}

/** The same rows as the page, turned into views by the separate queries. */
async function viewsTheOtherWay(ids: string[]): Promise<GenerationView[]> {
  if (ids.length === 0) return [];
  const rows = await t.db.selectFrom('generations').selectAll().where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, r as GenerationRow]));
  return toGenerationViews(
    t.db,
    core.app.deps.storage,
    ids.map((id) => byId.get(id)!),
  );
}

describe('one-statement pages', () => {
  it('history and gallery pages equal the views built by separate queries, with filters, cursors and inserts', async () => {
    const deps = core.app.deps;
    const { user, accountId } = await makeUser(t.db, { name: 'Seeder' });
    const categories: GenerationCategory[] = ['image', 'video', 'audio', 'image', 'music'];
    const statuses = ['succeeded', 'succeeded', 'failed', 'succeeded', 'processing'] as const;
    const made: GenerationRow[] = [];
    for (let i = 0; i < 30; i++) {
      const g = await makeGeneration(t.db, deps.storage, {
        userId: user.id,
        accountId,
        category: categories[i % categories.length],
        status: statuses[i % statuses.length],
        outputs: 1 + (i % 3),
        createdAt: new Date(Date.parse('2026-06-01T00:00:00Z') - i * 1000),
      });
      made.push(g);
      if (g.status === 'succeeded' && i % 2 === 0) await publish(deps, user.id, g.id);
    }

    for (const category of [undefined, 'image', 'video'] as const) {
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await listHistoryPage(deps, user.id, { category, limit: 4, cursor });
        expect(unsigned(page.items)).toEqual(unsigned(await viewsTheOtherWay(page.items.map((v) => v.id))));
        cursor = page.nextCursor ?? undefined;
        pages++;
        // New work arriving between pages does not change what the later pages say.
        if (pages === 2) await makeGeneration(t.db, deps.storage, { userId: user.id, accountId, outputs: 2 });
      } while (cursor);
      expect(pages).toBeGreaterThan(1);
    }

    let cursor: string | undefined;
    let seen = 0;
    do {
      const page = await feed(deps, { limit: 4, cursor });
      const other = await viewsTheOtherWay(page.items.map((v) => v.id));
      expect(unsigned(page.items)).toEqual(
        unsigned(other).map(({ userId: _u, spaceId: _s, ...view }) => ({ ...view, authorName: 'Seeder' })),
      );
      expect(page.items.every((item) => item.outputs.length > 0 && item.gallery?.state === 'approved')).toBe(
        true,
      );
      seen += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toBe(made.filter((g, i) => g.status === 'succeeded' && i % 2 === 0).length);
  });
});
