import { describe, expect, it } from 'vitest';
import type { Episode } from '../../../../shared/anomalies';
import type { IncidentView } from '../../../../shared/contract';
import type { AgentView, ApprovalView, AuditRowView } from '../../../../shared/governance';
import type { PlantClock } from '../../time';
import { buildMarkers, type MarkerSources } from './markers';

const DEV = 'line-1/compressor-01';
// The replay started at wall 1,000,000 on plant 2026-01-01 00:00 UTC and runs 60× the wall.
const P0 = Date.UTC(2026, 0, 1);
const clock: PlantClock = { segments: [{ wall: 1_000_000, plant: P0, rate: 60 }], plantTime: P0 + 3_600_000, at: 1_060_000 };
const plantOf = (wall: number) => P0 + (wall - 1_000_000) * 60;

const agent: AgentView = {
  id: 'agent-1679264c',
  name: 'Night shift assistant',
  role: 'assistant',
  model: null,
  createdAt: 0,
  status: 'active',
  statusReason: null,
  lastSeen: null,
  scope: {},
  reducedAutonomy: false,
  revokedTools: [],
};
const approval = (id: string, device: string, status: ApprovalView['status'], createdAt: number, decidedAt: number | null): ApprovalView => ({
  id,
  kind: 'call',
  agentId: agent.id,
  tool: 'execute_device_command',
  args: { device_id: device, command: 'reduce_load' },
  argsHash: 'h',
  status,
  reason: '',
  ruleId: 'r',
  policyVersion: 'v',
  risk: 7,
  approverRole: null,
  requiredApprovals: 1,
  approvals: [],
  createdAt,
  deadline: createdAt + 60_000,
  decidedAt,
  decidedBy: decidedAt === null ? null : 'Dana Reyes',
  comment: null,
  planId: null,
  collectBy: null,
});
const row = (seq: number, kind: string, ts: number, device: string): AuditRowView => ({
  seq,
  ts,
  kind,
  agentId: agent.id,
  tool: 'execute_device_command',
  decision: 'ALLOW',
  reason: null,
  ruleId: null,
  policyVersion: null,
  approvalId: null,
  actor: null,
  argsHash: null,
  args: {},
  detail: { device_id: device, command: 'reduce_load' },
  prevHash: '',
  hash: '',
});
const episode: Episode = {
  id: 'ep-1',
  device_id: DEV,
  start_ts: P0 + 300_000,
  end_ts: null,
  last_ts: P0 + 900_000,
  status: 'open',
  sensors: ['temperature'],
  detectors: [],
  involvement: [],
  score: 2,
  severity: 'high',
  type_hint: 'thermal_runaway',
  confidence: 0.9,
  samples: 10,
  acknowledged_by: null,
  acknowledged_at: null,
  ack_note: null,
};
const incident: IncidentView = {
  id: 'inc_1',
  ts: 1_030_000,
  agent_id: agent.id,
  device_id: DEV,
  anomaly_id: 'ep-1',
  anomaly_type: 'thermal_runaway',
  severity: 'high',
  title: 'Thermal runaway',
  root_cause: 'fan',
  actions_taken: 'reduce_load',
  outcome: null,
  lessons_learned: null,
  manual_sections: [],
};

const sources = (over: Partial<MarkerSources> = {}): MarkerSources => ({
  devices: [DEV],
  clock,
  today: P0,
  alarms: [],
  approvals: [],
  commands: [],
  incidents: [],
  episodes: {},
  annotations: [],
  agents: { [agent.id]: agent },
  ...over,
});

describe('trend markers from the core’s records', () => {
  it('places wall-stamped approvals, commands and reports on the plant clock, names the agent, and keeps to the charted devices', () => {
    const m = buildMarkers(
      sources({
        approvals: [
          approval('a1', DEV, 'approved', 1_010_000, 1_012_000),
          approval('a2', DEV, 'rejected', 1_020_000, 1_021_000),
          approval('a3', 'line-2/pump-03', 'pending', 1_010_000, null),
        ],
        commands: [
          row(7, 'EXECUTED', 1_013_000, DEV),
          row(8, 'DEVICE_REFUSED', 1_014_000, DEV),
          row(9, 'REVIEW', 1_009_000, DEV),
          row(10, 'EXECUTED', 1_013_000, 'line-2/pump-03'),
        ],
        incidents: [incident],
        episodes: { 'ep-1': episode },
      }),
    );
    expect(m.map((x) => [x.kind, x.id, x.t, x.hollow ?? false])).toEqual([
      ['episode', 'inc_1', P0 + 300_000, false],
      ['requested', 'a1', plantOf(1_010_000), false],
      ['decided', 'a1', plantOf(1_012_000), false],
      ['command', '7', plantOf(1_013_000), false],
      ['command', '8', plantOf(1_014_000), true],
      ['requested', 'a2', plantOf(1_020_000), false],
      ['decided', 'a2', plantOf(1_021_000), true],
      ['incident', 'inc_1', plantOf(1_030_000), false],
    ]);
    expect(m.find((x) => x.id === '7')?.label).toBe('Command reduce_load carried out (Night shift assistant)');
    expect(m.find((x) => x.kind === 'decided' && x.id === 'a2')?.label).toBe(
      'Approval rejected by Dana Reyes: execute_device_command reduce_load (Night shift assistant)',
    );
    expect(m.find((x) => x.kind === 'incident')?.when).toMatch(
      /^(\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}:00 plant time · wall clock \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
    );
  });

  it('pins an annotation to its plant time and, when it names one, to its tag', () => {
    const [m] = buildMarkers(
      sources({
        annotations: [{ id: 'ann_1', ts: 1_050_000, plantTs: P0 + 123_000, deviceId: DEV, tag: 'temperature', author: 'Sam Ortiz', text: 'fan swapped' }],
      }),
    );
    expect(m).toMatchObject({ kind: 'annotation', t: P0 + 123_000, tag: 'temperature', label: 'Note by Sam Ortiz: fan swapped' });
    expect(m.when).toMatch(/^(\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}:03 plant time · written \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} wall clock$/);
  });
});
