// npm run eval:immune — the immune system against a simulated fleet with chaos injected at known
// times (issue 9). Prints per failure type recall and diagnosis accuracy, false quarantines per
// agent-hour on clean traffic, time to detect (samples from onset) and to heal (simulated seconds),
// and the real-time headroom with 1,000 agents reporting one sample per second each.
// Simulated time runs on a manual clock; the last line is one JSON object.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manualClock, seededRng } from '../electron/core/clock';
import { testConfig } from '../electron/core/config';
import { Gateway, governanceMigrations, governanceOptions } from '../electron/core/governance';
import { createLogger } from '../electron/core/observability';
import { applyMigrations, openDatabase } from '../electron/core/store';
import {
  CHAOS_EXPECTED_DIAGNOSIS,
  CHAOS_TYPES,
  createGovernanceControl,
  createSimulatedFleet,
  ImmuneConfigSchema,
  ImmuneService,
  immuneMigrations,
  type ChaosType,
} from '../electron/core/immune';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const FLEET = Number(args.get('agents') ?? 15);
const CLEAN_HOURS = Number(args.get('clean-hours') ?? 4);
const PER_TYPE = Number(args.get('per-type') ?? 12);
const SCALE_AGENTS = Number(args.get('scale-agents') ?? 1000);
const SCALE_SECONDS = Number(args.get('scale-seconds') ?? 60);
const SEED = Number(args.get('seed') ?? 11);
const NOISE = Number(args.get('noise') ?? 0.15); // lognormal sigma of healthy run-to-run variation
const DETECT_WITHIN = 10;
const rngEval = seededRng(SEED * 7919); // samples after onset that still count as detected

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-immune-eval-'));
const log = createLogger({ level: 'silent' });
const tick = () => new Promise<void>((r) => setImmediate(r));

function setup(file: string, size: number, seed: number) {
  const db = openDatabase(path.join(dir, file));
  applyMigrations(db, [...governanceMigrations, ...immuneMigrations]);
  const clock = manualClock(Date.UTC(2026, 0, 1));
  const config = ImmuneConfigSchema.parse({
    fleet: { enabled: false, size },
    healing: { stepDelayMs: 0, verifyTimeoutMs: 600_000 },
    vitals: { flushMs: 1_000_000 },
  });
  const fleet = createSimulatedFleet({ size, seed, noise: NOISE });
  // Severe cases wait in governance's approval queue (one queue for every approval): a real gateway on the same database.
  const govConfig = testConfig(dir, { resourcesDir: path.resolve('resources') });
  const gateway = new Gateway({ db, clock, log }, { ...governanceOptions(govConfig.governance, govConfig), watchPolicy: false });
  const immune = new ImmuneService({ db, config, clock, log, fleet, control: createGovernanceControl(gateway) });
  return { db, clock, fleet, immune };
}

const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function accuracyRun(cleanHours: number, intensityMin: number) {
  const { db, clock, fleet, immune } = setup('fleet.db', FLEET, SEED);
  const step = async () => {
    clock.advance(1000);
    immune.tickFleet();
    if (immune.repo.approvals('pending').length) immune.decideAll('approve', 'eval-operator');
    await tick();
  };
  // Phase 1: clean traffic (baselines learn during the first 20 samples).
  const cleanTicks = Math.round(cleanHours * 3600);
  for (let i = 0; i < cleanTicks; i++) {
    await step();
    if (i % 600 === 0) immune.flush();
  }
  const falseInfections = immune.repo.recentInfections(100_000).length;
  const agentHours = (FLEET * cleanTicks) / 3600;

  // Phase 2: chaos at known times, one failure per agent at a time, cycling through the types.
  interface Case {
    type: ChaosType;
    agent: string;
    onsetTs: number;
    infectionId: number | null;
    detectSamples: number | null;
    healS: number | null;
    diagnosisOk: boolean | null;
  }
  const cases: Case[] = [];
  const queue: ChaosType[] = [];
  for (let r = 0; r < PER_TYPE; r++) queue.push(...CHAOS_TYPES);
  const open = new Map<string, Case>();
  let falseDuringChaos = 0;
  const seenInfections = new Set(immune.repo.recentInfections(100_000).map((i) => i.id));
  let t = 0;
  while ((queue.length || open.size) && t < 200_000) {
    t++;
    if (t % 20 === 0 && queue.length) {
      const free = immune.overview(1).agents.filter((a) => a.state === 'healthy' && !open.has(a.agent_id) && !fleet.infection(a.agent_id));
      if (free.length) {
        const agent = free[((t / 20) % free.length) | 0].agent_id;
        const type = queue.shift()!;
        // Intensity intensityMin–1 (1 = the full failure); weaker ones are the hard cases.
        fleet.inject(agent, type, clock.now(), intensityMin + (1 - intensityMin) * rngEval());
        // The onset is the next sample, taken at the next tick.
        const c: Case = { type, agent, onsetTs: clock.now() + 1000, infectionId: null, detectSamples: null, healS: null, diagnosisOk: null };
        cases.push(c);
        open.set(agent, c);
      }
    }
    await step();
    for (const inf of immune.repo.recentInfections(20)) {
      if (seenInfections.has(inf.id)) continue;
      seenInfections.add(inf.id);
      const c = open.get(inf.agent_id);
      if (!c || c.infectionId !== null) {
        falseDuringChaos++;
        continue;
      }
      c.infectionId = inf.id;
      c.detectSamples = Math.round((inf.detected_at - c.onsetTs) / 1000) + 1;
      c.diagnosisOk = inf.diagnosis.type === CHAOS_EXPECTED_DIAGNOSIS[c.type];
    }
    for (const [agent, c] of open) {
      if (c.infectionId === null) {
        if (clock.now() - c.onsetTs > DETECT_WITHIN * 1000) {
          // Missed: clear the failure so the agent can serve another case.
          await fleet.apply(agent, 'clone_agent', { tools: [], reason: 'eval: missed case cleared' });
          open.delete(agent);
        }
        continue;
      }
      const inf = immune.repo.getInfection(c.infectionId)!;
      if (inf.status === 'healed') {
        c.healS = (inf.resolved_at! - inf.detected_at) / 1000;
        open.delete(agent);
      } else if (inf.status === 'exhausted') {
        open.delete(agent);
      }
    }
  }
  immune.flush();
  await immune.stop();
  db.close();

  const perType: Record<string, { recall: number; diagnosis: number; detect_median: number; heal_s_median: number }> = {};
  for (const type of CHAOS_TYPES) {
    const cs = cases.filter((c) => c.type === type);
    const hit = cs.filter((c) => c.detectSamples !== null && c.detectSamples <= DETECT_WITHIN);
    perType[type] = {
      recall: hit.length / cs.length,
      diagnosis: hit.filter((c) => c.diagnosisOk).length / Math.max(1, hit.length),
      detect_median: median(hit.map((c) => c.detectSamples!)),
      heal_s_median: median(cs.filter((c) => c.healS !== null).map((c) => c.healS!)),
    };
  }
  const detected = cases.filter((c) => c.detectSamples !== null && c.detectSamples <= DETECT_WITHIN);
  return {
    cases: cases.length,
    perType,
    recall: detected.length / cases.length,
    minTypeRecall: Math.min(...Object.values(perType).map((p) => p.recall)),
    diagnosisAccuracy: detected.filter((c) => c.diagnosisOk).length / Math.max(1, detected.length),
    detectMedian: median(detected.map((c) => c.detectSamples!)),
    detectMax: Math.max(...detected.map((c) => c.detectSamples!)),
    healMedian: median(cases.filter((c) => c.healS !== null).map((c) => c.healS!)),
    healed: cases.filter((c) => c.healS !== null).length,
    falseInfections,
    agentHours,
    falseDuringChaos,
  };
}

async function scaleRun() {
  const { db, clock, fleet, immune } = setup('scale.db', SCALE_AGENTS, SEED + 1);
  // Baselines first (not timed), then SCALE_SECONDS of traffic pre-generated so only the immune system is timed.
  for (let i = 0; i < 25; i++) {
    clock.advance(1000);
    immune.tickFleet();
  }
  immune.flush();
  const seconds: unknown[][] = [];
  let ts = clock.now();
  for (let s = 0; s < SCALE_SECONDS; s++) {
    ts += 1000;
    // Through JSON, as the ingest endpoint would receive them: validation is part of the cost.
    seconds.push(fleet.tick(ts, () => false).map((v) => JSON.parse(JSON.stringify(v))));
  }
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (const batch of seconds) {
    clock.advance(1000);
    for (const v of batch) {
      const r = immune.recordVitals(v, 'external');
      if (r.ok) n++;
    }
    immune.flush(); // one SQLite transaction per simulated second, as in serve mode
  }
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
  await immune.stop();
  db.close();
  const perSecond = n / elapsedS;
  return { samples: n, elapsedS, perSecond, headroom: perSecond / SCALE_AGENTS };
}

const acc = await accuracyRun(CLEAN_HOURS, 0.5);
console.log(`fleet: ${FLEET} agents, clean traffic ${acc.agentHours} agent-hours, ${acc.cases} chaos cases (${PER_TYPE} per type)`);
console.log('type                 recall  diagnosis  detect(samples)  heal(s)');
for (const [type, p] of Object.entries(acc.perType)) {
  console.log(
    `${type.padEnd(20)} ${p.recall.toFixed(2).padStart(6)}  ${p.diagnosis.toFixed(2).padStart(9)}  ${String(p.detect_median).padStart(15)}  ${String(p.heal_s_median).padStart(7)}`,
  );
}
console.log(`recall ${acc.recall.toFixed(3)} (lowest type ${acc.minTypeRecall.toFixed(2)}), diagnosis accuracy ${acc.diagnosisAccuracy.toFixed(3)}`);
console.log(
  `false quarantines on clean traffic: ${acc.falseInfections} in ${acc.agentHours} agent-hours; unexpected infections during chaos phase: ${acc.falseDuringChaos}`,
);
console.log(`detection: median ${acc.detectMedian} samples from onset, worst ${acc.detectMax}; healed ${acc.healed}/${acc.cases}, median ${acc.healMedian} s`);
// Sensitivity: failures at 20–50 % of full strength, many below the "2× normal" explosion bar by design.
const weak = await accuracyRun(0.25, 0.2);
console.log(
  `weak failures (intensity 0.2–1): recall ${weak.recall.toFixed(3)}; per type ${Object.entries(weak.perType)
    .map(([t, p]) => `${t} ${p.recall.toFixed(2)}`)
    .join(', ')}`,
);
const sc = await scaleRun();
console.log(
  `scale: ${SCALE_AGENTS} agents × ${SCALE_SECONDS} s = ${sc.samples} samples in ${sc.elapsedS.toFixed(2)} s wall → ${Math.round(sc.perSecond)} samples/s; needed ${SCALE_AGENTS}/s → headroom ${sc.headroom.toFixed(1)}×`,
);
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    recall: Math.round(acc.recall * 1000) / 1000,
    false_quarantines_per_agent_hour: Math.round((acc.falseInfections / acc.agentHours) * 10000) / 10000,
    detect_samples_median: acc.detectMedian,
    heal_s_median: acc.healMedian,
    realtime_headroom_1000_agents: Math.round(sc.headroom * 10) / 10,
  }),
);
