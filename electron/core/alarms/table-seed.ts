// The master alarm table's seed: one row per alarm the plant model can raise — each tag limit (HH/H/L/LL),
// each asset's anomaly and communication alarm, the data path's system alarms — with the text the model
// and the device manual give. Where neither has any, the row says so (consequence / action null: "no
// rationalization yet") rather than invent one. Pure: the manual comes in as parsed sections.
import { ALARM_PRIORITIES, TYPE_HINTS, type AlarmPriority } from '../../../shared/anomalies';
import type { AlarmClass, AlarmTableRow, ConsequenceSeverity } from '../../../shared/schemas/alarm-table';
import type { AssetView } from '../../../shared/schemas/model';
import { ANOMALY_BASIS, basisOf, priorityOf } from '../../../shared/alarm-table';
import { BROKER_ALARM, STORE_ALARM, connectorAlarmId } from './data-path';

export { ANOMALY_BASIS, basisOf, priorityOf };

/** A numbered section of a device manual ("2.1", "Thermal runaway (compressors)", its text). */
export interface SopSection {
  number: string;
  title: string;
  text: string;
}

export interface SeedModel {
  assets: readonly AssetView[];
  connectors: ReadonlyArray<{ id: string }>;
}

/** The manual sections for an asset type (its own manual, else the plant's); empty when there is none. */
export type ManualSections = (assetType: string) => readonly SopSection[];

/** The severity and time to respond that give a priority (the seed for an alarm the model gives only a priority). */
export function matrixFor(p: AlarmPriority): { severity: ConsequenceSeverity; respond_min: number } {
  switch (p) {
    case 'urgent':
      return { severity: 'severe', respond_min: 3 };
    case 'high':
      return { severity: 'major', respond_min: 3 };
    case 'medium':
      return { severity: 'major', respond_min: 10 };
    case 'low':
      return { severity: 'minor', respond_min: 10 };
    default:
      return { severity: 'minor', respond_min: 60 };
  }
}

const SOP_REF = /(?:SOP\s*)?(\d+(?:\.\d+)+)/;

/** "SOP 2.1" → the section; null when the manual has none of that number. */
export function findSop(sections: readonly SopSection[], reference: string | undefined): SopSection | null {
  const m = reference ? SOP_REF.exec(reference) : null;
  return m ? (sections.find((s) => s.number === m[1]) ?? null) : null;
}

/** The device types a section is for, from its title's "(compressors, motors)" / "(all devices)". */
function appliesTo(s: SopSection, type: AssetView): boolean {
  const m = /\(([^)]*)\)\s*$/.exec(s.title);
  if (!m) return false;
  const words = m[1].toLowerCase();
  if (words.includes('all devices')) return true;
  const names = [type.type, type.type_name, type.model].map((n) => n.toLowerCase());
  return words.split(/\s*,\s*|\s+and\s+/).some((w) => names.some((n) => w === n || w === `${n}s` || w === `${n}es`));
}

const firstSentence = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(flat);
  return m ? m[1] : flat;
};

/** The procedure's first steps (confirm, then act) as one line, cut at a step boundary. */
export function procedureOf(s: SopSection, maxSteps = 2): string | null {
  const at = s.text.indexOf('Procedure:');
  if (at < 0) return null;
  const steps: string[] = [];
  for (const m of s.text.slice(at).matchAll(/^\s*(\d+)\.\s+([\s\S]*?)(?=^\s*\d+\.\s|\n\s*\n|$(?![\s\S]))/gm)) {
    steps.push(`${m[1]}. ${m[2].replace(/\s+/g, ' ').trim()}`);
    if (steps.length >= maxSteps) break;
  }
  return steps.length ? steps.join(' ') : null;
}

const cite = (s: SopSection) => `SOP ${s.number}`;
const titleOnly = (s: SopSection) => s.title.replace(/\s*\([^)]*\)\s*$/, '');

function row(p: Omit<AlarmTableRow, 'changed_by' | 'changed_at' | 'orphaned' | 'priority' | 'priority_basis'> & { priority?: AlarmPriority }): AlarmTableRow {
  const priority = p.priority ?? (p.severity && p.respond_min !== null ? priorityOf(p.severity, p.respond_min) : null);
  const basis = p.severity && p.respond_min !== null ? basisOf(p.severity, p.respond_min) : ANOMALY_BASIS;
  return { ...p, priority, priority_basis: basis, changed_by: null, changed_at: null, orphaned: false };
}

/** Every alarm of the model in force, in model order: limits, then anomaly and communication per asset, then the system's. */
export function seedRows(model: SeedModel, manual: ManualSections): AlarmTableRow[] {
  const out: AlarmTableRow[] = [];
  for (const a of model.assets) {
    // only a manual the model names for this asset type: another plant's SOPs are not this one's
    const sections = a.manual ? manual(a.type) : [];
    for (const t of a.tags) {
      for (const l of t.limits) {
        const sop = findSop(sections, l.reference);
        const trip = l.key === 'HH' || l.key === 'LL';
        out.push(
          row({
            id: `${t.id}:${l.key}`,
            source: a.id,
            tag: t.id,
            type: l.key,
            kind: 'analog',
            setpoint: l.value,
            unit: t.unit,
            ...matrixFor(l.priority),
            consequence: l.consequence ?? null,
            action: l.action ?? (sop ? `${cite(sop)} ${titleOnly(sop)}: ${procedureOf(sop) ?? firstSentence(sop.text)}` : null),
            reference: sop ? cite(sop) : (l.reference ?? null),
            class: (trip ? 'equipment' : 'process') satisfies AlarmClass,
          }),
        );
      }
    }
    // The failure modes the detector's type hints name, for this asset type (e.g. 2.1 and 2.5 for compressors).
    const hinted = sections.filter((s) => appliesTo(s, a) && TYPE_HINTS.some((h) => titleOnly(s).toLowerCase() === h.replace(/_/g, ' ')));
    out.push(
      row({
        id: `${a.id}:anomaly`,
        source: a.id,
        tag: null,
        type: 'anomaly',
        kind: 'anomaly',
        setpoint: null,
        unit: '',
        severity: null,
        respond_min: null,
        consequence: null,
        action: hinted.length ? hinted.map((s) => `${titleOnly(s)} (${cite(s)}): ${procedureOf(s, 2) ?? firstSentence(s.text)}`).join(' | ') : null,
        reference: hinted.length ? hinted.map(cite).join(', ') : null,
        class: 'equipment',
      }),
    );
    const comm = sections.find((s) => appliesTo(s, a) && /^communication loss/i.test(s.title));
    out.push(
      row({
        id: `${a.id}:communication`,
        source: a.id,
        tag: null,
        type: 'communication',
        kind: 'communication',
        setpoint: null,
        unit: '',
        ...matrixFor('high'),
        consequence: null,
        action: comm ? `${cite(comm)}: ${procedureOf(comm) ?? firstSentence(comm.text)}` : null,
        reference: comm ? cite(comm) : null,
        class: 'system',
      }),
    );
  }
  const system = (id: string, source: string, kind: 'communication' | 'system', consequence: string) =>
    row({
      id,
      source,
      tag: null,
      type: kind,
      kind,
      setpoint: null,
      unit: '',
      ...matrixFor('high'),
      consequence,
      action: null,
      reference: null,
      class: 'system',
    });
  // The consequence is what the core's own alarm message says; the action is the site's to write.
  out.push(system(BROKER_ALARM, 'broker', 'communication', 'Readings are not arriving.'));
  for (const c of model.connectors) out.push(system(connectorAlarmId(c.id), `connector:${c.id}`, 'communication', 'Its tags are not updating.'));
  out.push(system(STORE_ALARM, 'storage', 'system', 'Readings cannot be stored: they are held in memory and retried.'));
  return out;
}

export const PRIORITY_RANK = (p: AlarmPriority | null) => (p === null ? ALARM_PRIORITIES.length : ALARM_PRIORITIES.indexOf(p));
