// From a validated model file to the resolved model: every asset's tags spelled out (type template +
// asset override), bindings filled in, and the cross-checks zod cannot express (unknown asset types
// and connectors, duplicate ids, limits outside the engineering range). Pure: no I/O.
import crypto from 'node:crypto';
import {
  ALARM_LIMIT_KEYS,
  type AssetView,
  type PlantModelFile,
  type PlantModelView,
  type SourceBinding,
  type TagTemplate,
  type TagView,
} from '../../../shared/schemas/model';
import { parseConnectorSettings, sourceIssues, type ConnectorSettings } from '../../../shared/schemas/connectors';

export interface ModelIssue {
  /** Path in the document, for the line:col lookup. */
  path: Array<string | number>;
  message: string;
}

/** `connectors`: each connector's validated settings (kept out of the view: they may hold a broker password). */
export type Resolution = { ok: true; model: PlantModelView; connectors: ConnectorSettings[] } | { ok: false; issues: ModelIssue[] };

const PLACEHOLDER = /\{(site|area|line|asset|device|tag)\}/g;

function fill(binding: SourceBinding, vars: Record<string, string>): SourceBinding {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(binding)) out[k] = typeof v === 'string' ? v.replace(PLACEHOLDER, (_m, name: string) => vars[name] ?? '') : v;
  return out as SourceBinding;
}

/** Resolve and cross-check. `file` is only recorded; `text` feeds the version hash. */
export function resolveModel(m: PlantModelFile, file: string, text: string): Resolution {
  const issues: ModelIssue[] = [];
  const connectorIds = new Set<string>();
  // Each connector's own settings, checked by its type (shared/schemas/connectors.ts).
  const settings = new Map<string, ConnectorSettings>();
  m.connectors.forEach((c, i) => {
    if (connectorIds.has(c.id)) issues.push({ path: ['connectors', i, 'id'], message: `duplicate connector id "${c.id}"` });
    connectorIds.add(c.id);
    const s = parseConnectorSettings(c);
    if (s.ok) settings.set(c.id, s.settings);
    else for (const x of s.issues) issues.push({ path: ['connectors', i, ...x.path], message: `connector ${c.id}: ${x.message}` });
  });
  const defaultConnector = m.default_connector ?? m.connectors[0]?.id ?? '';
  if (m.default_connector && !connectorIds.has(m.default_connector)) {
    issues.push({ path: ['default_connector'], message: `unknown connector "${m.default_connector}" (declared: ${[...connectorIds].join(', ')})` });
  }

  for (const [typeId, t] of Object.entries(m.asset_types)) {
    for (const [name, c] of Object.entries(t.commands)) {
      for (const key of ['load_minus_param', 'load_param'] as const) {
        const p = c.effect?.[key];
        if (p && !c.params[p])
          issues.push({ path: ['asset_types', typeId, 'commands', name, 'effect', key], message: `command ${name} has no parameter "${p}"` });
      }
    }
  }

  const seenArea = new Set<string>();
  const seenLine = new Set<string>();
  const seenDevice = new Set<string>();
  const assets: AssetView[] = [];
  const areas: PlantModelView['areas'] = [];

  m.areas.forEach((area, ai) => {
    if (seenArea.has(area.id)) issues.push({ path: ['areas', ai, 'id'], message: `duplicate area id "${area.id}"` });
    seenArea.add(area.id);
    const areaView: PlantModelView['areas'][number] = { id: area.id, name: area.name ?? area.id, lines: [] };
    area.lines.forEach((line, li) => {
      const linePath = ['areas', ai, 'lines', li];
      if (seenLine.has(line.id)) issues.push({ path: [...linePath, 'id'], message: `duplicate line id "${line.id}" (line ids are unique across the site)` });
      seenLine.add(line.id);
      const lineView = { id: line.id, name: line.name ?? line.id, assets: [] as string[] };
      line.assets.forEach((asset, si) => {
        const assetPath = [...linePath, 'assets', si];
        const deviceId = `${line.id}/${asset.id}`;
        if (seenDevice.has(deviceId)) issues.push({ path: [...assetPath, 'id'], message: `duplicate asset id "${deviceId}"` });
        seenDevice.add(deviceId);
        const type = m.asset_types[asset.type];
        if (!type) {
          issues.push({
            path: [...assetPath, 'type'],
            message: `unknown asset type "${asset.type}" (declared: ${Object.keys(m.asset_types).join(', ') || 'none'})`,
          });
          return;
        }
        for (const key of Object.keys(asset.tags)) {
          if (!type.tags[key]) issues.push({ path: [...assetPath, 'tags', key], message: `asset type ${asset.type} has no tag "${key}"` });
        }
        const vars = { site: m.site.id, area: area.id, line: line.id, asset: asset.id, device: deviceId, tag: '' };
        const tags: TagView[] = [];
        for (const [key, template] of Object.entries(type.tags)) {
          const o = asset.tags[key] ?? {};
          const t: TagTemplate = { ...template, ...stripUndefined(o), limits: { ...template.limits, ...(o.limits ?? {}) } };
          const tagPath = asset.tags[key] ? [...assetPath, 'tags', key] : ['asset_types', asset.type, 'tags', key];
          const [lo, hi] = t.range;
          if (!(lo < hi)) issues.push({ path: [...tagPath, 'range'], message: `range [${lo}, ${hi}]: lo must be below hi` });
          const normal = t.normal ?? t.range;
          if (normal[0] > normal[1] || normal[0] < lo || normal[1] > hi) {
            issues.push({
              path: [...tagPath, 'normal'],
              message: `normal band [${normal[0]}, ${normal[1]}] must lie inside the engineering range [${lo}, ${hi}]`,
            });
          }
          const limits: TagView['limits'] = [];
          for (const k of ALARM_LIMIT_KEYS) {
            const l = t.limits[k];
            if (!l) continue;
            if (l.value < lo || l.value > hi) {
              issues.push({ path: [...tagPath, 'limits', k, 'value'], message: `${k} limit ${l.value} is outside the engineering range [${lo}, ${hi}]` });
            }
            limits.push({ key: k, ...l });
          }
          const order = limits.map((l) => l.value);
          for (let i = 1; i < order.length; i++) {
            if ((order[i] ?? 0) > (order[i - 1] ?? 0)) {
              issues.push({
                path: [...tagPath, 'limits'],
                message: `limits must be ordered HH ≥ H ≥ L ≥ LL (got ${limits.map((l) => `${l.key} ${l.value}`).join(', ')})`,
              });
              break;
            }
          }
          const binding = t.source ?? { connector: defaultConnector };
          if (!connectorIds.has(binding.connector)) {
            issues.push({
              path: [...tagPath, 'source', 'connector'],
              message: `tag ${deviceId}/${key} is bound to unknown connector "${binding.connector}" (declared: ${[...connectorIds].join(', ')})`,
            });
          }
          const cs = settings.get(binding.connector);
          if (cs)
            for (const x of sourceIssues(cs, binding))
              issues.push({ path: [...tagPath, 'source', ...x.path], message: `tag ${deviceId}/${key}: ${x.message}` });
          tags.push({
            id: `${deviceId}/${key}`,
            key,
            device_id: deviceId,
            name: t.name ?? key,
            unit: t.unit,
            type: t.type,
            range: t.range,
            normal,
            limits,
            sampling_s: t.sampling_s,
            detect: t.detect ?? t.type !== 'bool',
            source: fill(binding, { ...vars, tag: key }),
            ...(t.sim ? { sim: t.sim } : {}),
          });
        }
        assets.push({
          id: deviceId,
          asset: asset.id,
          name: asset.name ?? asset.id,
          type: asset.type,
          type_name: type.name ?? asset.type,
          model: type.model,
          ...(type.manual ? { manual: type.manual } : {}),
          area: area.id,
          line: line.id,
          tags,
          commands: Object.entries(type.commands).map(([name, c]) => ({
            name,
            ...(c.description ? { description: c.description } : {}),
            params: c.params,
            ...(c.effect ? { effect: c.effect } : {}),
          })),
        });
        lineView.assets.push(deviceId);
      });
      areaView.lines.push(lineView);
    });
    areas.push(areaView);
  });

  if (issues.length) return { ok: false, issues };
  return {
    ok: true,
    model: {
      version: crypto.createHash('sha256').update(text).digest('hex').slice(0, 16),
      file,
      site: { id: m.site.id, name: m.site.name ?? m.site.id, ...(m.site.description ? { description: m.site.description } : {}) },
      areas,
      assets,
      connectors: m.connectors.map((c) => ({ id: c.id, type: c.type })),
    },
    connectors: [...settings.values()],
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
