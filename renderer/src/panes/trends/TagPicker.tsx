// Pick any tags for the trends: search by tag id or name, grouped by area → line → asset. A large
// plant shows the first matches and asks for a narrower search instead of rendering thousands of rows.
import { useMemo, useState } from 'react';
import type { ModelLookup, PlantModelView, TagView } from '../../store/model';
import { MAX_TREND_ENTRIES } from '../../store/trends';
import { tagMatches, toggleAsset, toggleTag } from './selection';

const MAX_SHOWN = 300;

export function TagPicker({
  model,
  lookup,
  selected,
  onChange,
}: {
  model: PlantModelView;
  lookup: ModelLookup;
  selected: TagView[];
  onChange(entries: string[]): void;
}) {
  const [query, setQuery] = useState('');
  const chosen = useMemo(() => new Set(selected.map((t) => t.id)), [selected]);
  const groups = useMemo(() => {
    let n = 0;
    const out: Array<{ area: string; line: string; asset: { id: string; name: string; tags: TagView[]; all: TagView[] } }> = [];
    for (const area of model.areas)
      for (const line of area.lines)
        for (const id of line.assets) {
          const a = lookup.assets.get(id);
          if (!a || n >= MAX_SHOWN) continue;
          const tags = a.tags.filter((t) => tagMatches(t, a.name, query));
          if (!tags.length) continue;
          n += tags.length;
          out.push({ area: area.name, line: line.name, asset: { id: a.id, name: a.name, tags, all: a.tags } });
        }
    return { out, capped: n >= MAX_SHOWN };
  }, [model, lookup, query]);

  return (
    <details className="tag-picker">
      <summary>
        Tags: <b>{selected.length}</b> <span className="muted">(of at most {MAX_TREND_ENTRIES})</span>
      </summary>
      <div className="picker" role="group" aria-label="Choose tags to trend">
        <input
          type="search"
          placeholder="Search tags (id, name, unit, asset)"
          aria-label="Search tags"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          autoFocus
        />
        <div className="picker-list">
          {groups.out.map((g, i) => {
            const prev = groups.out[i - 1];
            const allIn = g.asset.all.every((t) => chosen.has(t.id));
            return (
              <div key={g.asset.id} className="picker-asset" data-picker-asset={g.asset.id}>
                {prev?.area !== g.area || prev?.line !== g.line ? (
                  <div className="picker-group muted">
                    {g.area} › {g.line}
                  </div>
                ) : null}
                <label className="picker-asset-name">
                  <input type="checkbox" checked={allIn} onChange={() => onChange(toggleAsset(selected, g.asset.all))} /> <b>{g.asset.name}</b>{' '}
                  <span className="muted">{g.asset.id}</span>
                </label>
                {g.asset.tags.map((t) => (
                  <label key={t.id} className="picker-tag" data-picker-tag={t.id}>
                    <input type="checkbox" checked={chosen.has(t.id)} onChange={() => onChange(toggleTag(selected, t.id))} /> {t.name}{' '}
                    <span className="unit">{t.unit}</span> <span className="muted">· {t.sampling_s} s</span>
                  </label>
                ))}
              </div>
            );
          })}
          {groups.capped ? <p className="muted">More tags match: narrow the search.</p> : null}
          {groups.out.length === 0 ? <p className="muted">No tag matches.</p> : null}
        </div>
      </div>
    </details>
  );
}
