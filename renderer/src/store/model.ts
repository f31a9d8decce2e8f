// Plant model slice: the resolved model in force (site → areas → lines → assets with their tags), as
// `plant.model` gives it and re-sent on every accepted reload, plus lookups by asset and tag id.
import { create } from 'zustand';
import type { AssetView, PlantModelView, TagView } from '../../../shared/schemas/model';

export type { AssetView, PlantModelView, TagView };

export interface ModelLookup {
  assets: ReadonlyMap<string, AssetView>;
  tags: ReadonlyMap<string, TagView>;
  /** Asset (device) ids per line id (line ids are unique across the site). */
  lineAssets: ReadonlyMap<string, readonly string[]>;
}

export function lookupOf(model: PlantModelView | null): ModelLookup {
  const assets = new Map<string, AssetView>();
  const tags = new Map<string, TagView>();
  const lineAssets = new Map<string, string[]>();
  for (const a of model?.assets ?? []) {
    assets.set(a.id, a);
    for (const t of a.tags) tags.set(t.id, t);
  }
  for (const area of model?.areas ?? []) for (const line of area.lines) lineAssets.set(line.id, line.assets);
  return { assets, tags, lineAssets };
}

export interface ModelState extends ModelLookup {
  model: PlantModelView | null;
  setModel(m: PlantModelView): void;
}

export const useModel = create<ModelState>()((set, get) => ({
  model: null,
  ...lookupOf(null),
  setModel: (model) => {
    // The same model again (a reconnect) keeps the lookups, so selectors do not re-render every pane.
    if (get().model?.version === model.version) return;
    set({ model, ...lookupOf(model) });
  },
}));
