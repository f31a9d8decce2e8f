// The Trends selection resolved against the plant model: entries are tag ids or asset ids (all of the
// asset's tags); what the model does not know is left out.
import type { ModelLookup, TagView } from '../../store/model';

export function resolveEntries(entries: readonly string[], lookup: Pick<ModelLookup, 'assets' | 'tags'>): TagView[] {
  const out: TagView[] = [];
  const seen = new Set<string>();
  const add = (t: TagView) => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    out.push(t);
  };
  for (const e of entries) {
    const tag = lookup.tags.get(e);
    if (tag) add(tag);
    else lookup.assets.get(e)?.tags.forEach(add);
  }
  return out;
}

/** Tick or untick one tag: the selection becomes explicit tag ids (an asset entry is expanded first). */
export function toggleTag(current: readonly TagView[], id: string): string[] {
  const ids = current.map((t) => t.id);
  return ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id];
}

/** Tick or untick a whole asset: all its tags join, or (when all are in) all leave. */
export function toggleAsset(current: readonly TagView[], assetTags: readonly TagView[]): string[] {
  const ids = current.map((t) => t.id);
  const all = assetTags.every((t) => ids.includes(t.id));
  if (all) return ids.filter((x) => !assetTags.some((t) => t.id === x));
  return [...ids, ...assetTags.map((t) => t.id).filter((x) => !ids.includes(x))];
}

/** Case-insensitive match of a tag on its id, name, unit or its asset's name. */
export function tagMatches(t: TagView, assetName: string, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [t.id, t.name, t.unit, assetName].some((x) => x.toLowerCase().includes(q));
}
