/**
 * Autocomplete from memory. Discord gives an autocomplete interaction 3 s and no way to defer, so
 * answers come from what is cached: the catalog (shared) and, per person and space, their favorite
 * models, LoRAs and recent generations. A missing or stale entry is loaded in the background and
 * serves the next keystroke.
 */

import type { CatalogCache } from './catalog-cache';
import type { Choice } from './chat-kit.types';
import type { CompletionKind } from './command-spec';
import type { CoreConnection, ModelView } from './core-client';
import { shortId } from './generation-reply';
import type { Actor, KitLogger } from './kit.types';
import { clip } from './reply';

export const MAX_CHOICES = 25;
const MAX_CHOICE_CHARS = 100;
const MAX_USERS = 5_000;
const RECENT_GENERATIONS = 25;

interface PersonEntry {
  favorites: ReadonlySet<string>;
  loras: readonly { name: string; ready: boolean }[];
  generations: readonly Choice[];
  loadedAt: number;
}

const keyOf = (actor: Actor) => `${actor.userId}|${actor.space?.id ?? ''}`;

/** Ranks: typed text at the start of a word first, anywhere else next; the rest is dropped. */
function rank(haystacks: readonly string[], typed: string): number {
  if (!typed) return 1;
  let best = 0;
  for (const hay of haystacks) {
    const h = hay.toLowerCase();
    if (h.startsWith(typed)) return 3;
    if (h.split(/[\s/_\-.[\]()]+/).some((word) => word.startsWith(typed))) best = Math.max(best, 2);
    else if (h.includes(typed)) best = Math.max(best, 1);
  }
  return best;
}

export class CompletionCache {
  private readonly people = new Map<string, PersonEntry>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly core: CoreConnection,
    private readonly catalog: CatalogCache,
    private readonly logger: KitLogger,
    private readonly ttlMs = 60_000,
  ) {}

  /** Loads (or refreshes) what this person's completions need, in the background. */
  warm(actor: Actor): Promise<void> {
    void this.catalog.peek();
    const key = keyOf(actor);
    const entry = this.people.get(key);
    if (entry && Date.now() - entry.loadedAt < this.ttlMs) return Promise.resolve();
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.load(actor, key).finally(() => this.loading.delete(key));
      this.loading.set(key, loading);
    }
    return loading;
  }

  /** Forgets a person's entry after they changed it (a new favorite, a new generation). */
  invalidate(actor: Actor): void {
    this.people.delete(keyOf(actor));
  }

  private async load(actor: Actor, key: string): Promise<void> {
    const client = this.core.as(actor);
    try {
      const [favorites, loras, history] = await Promise.all([
        client.favorites.list.query(),
        client.loras.list.query(),
        client.history.list.query({ limit: RECENT_GENERATIONS }),
      ]);
      if (this.people.size >= MAX_USERS) this.people.delete(this.people.keys().next().value as string);
      this.people.set(key, {
        favorites: new Set(favorites.map((m) => m.id)),
        loras: loras.map((l) => ({ name: l.name, ready: l.status === 'ready' })),
        generations: history.items.map((generation) => ({
          label: clip(
            `${shortId(generation.id)} · ${generation.category} · ${generation.modelName}${generation.prompt ? ` · “${generation.prompt}”` : ''}`,
            MAX_CHOICE_CHARS,
          ),
          value: generation.id,
        })),
        loadedAt: Date.now(),
      });
    } catch (error) {
      this.logger.debug('loading completions failed', { error: String(error) });
    }
  }

  /** At most 25 choices for what was typed, from memory only; favorites first for models. */
  complete(actor: Actor, kind: CompletionKind, typedRaw: string): Choice[] {
    void this.warm(actor);
    const person = this.people.get(keyOf(actor));
    // A list option ("flux, sdxl"): complete the last item, keep the others.
    const comma = typedRaw.lastIndexOf(',');
    const kept = kind === 'model' && comma >= 0 ? `${typedRaw.slice(0, comma + 1).trim()} ` : '';
    const typed = typedRaw
      .slice(kept ? comma + 1 : 0)
      .trim()
      .toLowerCase();
    const fit = (choices: Choice[]) =>
      choices
        .map((c) => ({ label: clip(c.label, MAX_CHOICE_CHARS), value: `${kept}${c.value}` }))
        .filter((c) => c.value.length <= MAX_CHOICE_CHARS)
        .slice(0, MAX_CHOICES);
    switch (kind) {
      case 'model':
        return fit(this.models(this.catalog.peek() ?? [], person?.favorites ?? new Set(), typed));
      case 'lora':
        return fit(
          (person?.loras ?? [])
            .filter((l) => rank([l.name], typed) > 0)
            .map((l) => ({ label: l.ready ? l.name : `${l.name} (not ready)`, value: l.name })),
        );
      case 'generation':
        return fit(
          (person?.generations ?? []).filter(
            (generation) => rank([generation.label, generation.value], typed) > 0,
          ),
        );
    }
  }

  private models(models: readonly ModelView[], favorites: ReadonlySet<string>, typed: string): Choice[] {
    return models
      .map((m, index) => ({ m, index, score: rank([m.name, m.id, ...m.aliases], typed) }))
      .filter((x) => x.score > 0)
      .sort(
        (a, b) =>
          Number(favorites.has(b.m.id)) - Number(favorites.has(a.m.id)) ||
          b.score - a.score ||
          a.index - b.index,
      )
      .map(({ m }) => ({
        label: `${favorites.has(m.id) ? '★ ' : ''}${m.name} (${m.aliases[0] ?? m.id}) · ${m.category}`,
        value: m.id,
      }));
  }
}
