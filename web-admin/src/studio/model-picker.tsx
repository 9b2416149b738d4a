import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { api } from '../lib/api';
import { CATEGORY_LABELS, formatCredits } from '../lib/format';
import { type Category, type StudioModel, studioKeys } from './studio-api';

const CATEGORY_ORDER: readonly Category[] = ['image', 'video', 'music', '3d', 'audio'];

interface ModelPickerProps {
  models: readonly StudioModel[];
  selectedId: string;
  onSelect: (model: StudioModel) => void;
}

/** Models by category, the user's favorites pinned first (a star toggles one), filtered by a search box. */
export function ModelPicker({ models, selectedId, onSelect }: ModelPickerProps) {
  const [search, setSearch] = useState('');
  const searchId = useId();
  const groupsBox = useRef<HTMLDivElement>(null);
  // The chosen model (from a shared ?model= link, say) is scrolled into the list's view.
  useEffect(() => {
    const box = groupsBox.current;
    const chosen = box?.querySelector<HTMLElement>(`li[data-model="${CSS.escape(selectedId)}"]`);
    if (box && chosen) box.scrollTop = chosen.offsetTop - box.offsetTop - box.clientHeight / 3;
  }, [selectedId]);
  const groups = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const shown = models.filter(
      (m) =>
        !needle ||
        m.name.toLowerCase().includes(needle) ||
        m.id.toLowerCase().includes(needle) ||
        m.aliases.some((a) => a.toLowerCase().includes(needle)),
    );
    const favorites = shown.filter((m) => m.favorite);
    return [
      { key: 'favorites', label: 'Favorites', models: favorites },
      ...CATEGORY_ORDER.map((category) => ({
        key: category,
        label: CATEGORY_LABELS[category] ?? category,
        models: shown.filter((m) => m.category === category && !m.favorite),
      })),
    ].filter((g) => g.models.length > 0);
  }, [models, search]);

  return (
    <section className="studio-models" aria-labelledby={`${searchId}-heading`}>
      <h2 id={`${searchId}-heading`} className="visually-hidden">
        Models
      </h2>
      <div className="field">
        <label htmlFor={searchId}>Search models</label>
        <input
          id={searchId}
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="flux, video, music…"
        />
      </div>
      <div className="studio-model-groups" ref={groupsBox}>
        {groups.length === 0 && <p className="empty">No model matches “{search}”.</p>}
        {groups.map((group) => (
          <div key={group.key} className="studio-model-group">
            <h3 id={`${searchId}-${group.key}`}>{group.label}</h3>
            <ul aria-labelledby={`${searchId}-${group.key}`}>
              {group.models.map((model) => (
                <li
                  key={model.id}
                  data-model={model.id}
                  className={model.id === selectedId ? 'selected' : undefined}
                >
                  <button
                    type="button"
                    className="studio-model"
                    aria-pressed={model.id === selectedId}
                    onClick={() => onSelect(model)}
                  >
                    <span className="studio-model-name">{model.name}</span>
                    <span className="small muted">from {formatCredits(model.basePrice)}</span>
                  </button>
                  <FavoriteStar model={model} />
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
    </section>
  );
}

function FavoriteStar({ model }: { model: StudioModel }) {
  const client = useQueryClient();
  const toggle = useMutation({
    mutationFn: () => api.favorites.toggle.mutate({ model: model.id }),
    onSettled: () => client.invalidateQueries({ queryKey: studioKeys.models }),
  });
  return (
    <button
      type="button"
      className="studio-star"
      aria-pressed={model.favorite}
      aria-label={`Favorite ${model.name}`}
      disabled={toggle.isPending}
      onClick={() => toggle.mutate()}
    >
      <span aria-hidden="true">{model.favorite ? '★' : '☆'}</span>
    </button>
  );
}
