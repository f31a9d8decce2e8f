// Agent work: start the operator agent on a device, run the demo scene by scene, and read every run's
// trace (span tree, governance decisions, token use and cost). What agents do is in view while they do it.
import { useEffect, useMemo, useState } from 'react';
import type { SpanView, TraceDetail, TraceSummary } from '../../../shared/agent';
import { unwrap } from '../api/client';
import { AgentName } from '../components/AgentName';
import { DeviceName } from '../components/DeviceName';
import { ExpandingTable, type Column } from '../components/ExpandingTable';
import { PlantTime } from '../components/PlantTime';
import { Empty } from '../components/ui';
import { useServices } from '../context';
import { useModel } from '../store/model';
import { runActive, useWork } from '../store/work';

export default function WorkPane() {
  return (
    <div className="work">
      <AgentRunner />
      <DemoRunner />
      <Traces />
    </div>
  );
}

function AgentRunner() {
  const { client } = useServices();
  const assets = useModel((s) => s.model?.assets ?? null);
  const run = useWork((s) => s.run);
  const active = useWork(runActive);
  const [device, setDevice] = useState('');
  const [ask, setAsk] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const start = async () => {
    setRefusal(null);
    try {
      await unwrap(client.api.agentRun({ ...(device ? { device_id: device } : {}), ...(ask.trim() ? { ask: ask.trim() } : {}) }));
    } catch (err) {
      setRefusal((err as Error).message);
    }
  };
  const last = run?.steps[run.steps.length - 1];
  return (
    <section aria-label="operator agent" data-work="agent">
      <h3>Operator agent</h3>
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <select aria-label="agent device" value={device} onChange={(e) => setDevice(e.target.value)}>
          <option value="">device of the newest open anomaly</option>
          {(assets ?? []).map((a) => (
            <option key={a.id} value={a.id}>
              {a.name} ({a.id})
            </option>
          ))}
        </select>
        <input aria-label="agent ask" placeholder="What should it look at? (optional)" value={ask} onChange={(e) => setAsk(e.target.value)} maxLength={2000} />
        <button type="submit" disabled={active} data-action="run-agent">
          Run operator agent
        </button>
      </form>
      {refusal ? (
        <p className="notice-text" role="alert">
          Not started: {refusal}
        </p>
      ) : null}
      {run ? (
        <div className="run" data-field="agent-run" data-state={run.result ? run.result.outcome : 'running'}>
          <p>
            {run.result ? (
              <>
                Last run on <b>{run.deviceId ? <DeviceName id={run.deviceId} /> : 'no device'}</b>: <b>{run.result.outcome}</b> — {run.result.summary} (
                {run.result.steps} steps
                {run.result.inputTokens + run.result.outputTokens
                  ? `, ${run.result.inputTokens + run.result.outputTokens} tokens, $${run.result.costUsd.toFixed(4)}`
                  : ''}
                )
              </>
            ) : (
              <>
                <span className="busy" aria-hidden="true" /> Running on <b>{run.deviceId ? <DeviceName id={run.deviceId} /> : 'the newest anomaly'}</b>
                {last ? ` — ${stepText(last)}` : ' — starting'}
              </>
            )}
          </p>
          {run.steps.length ? (
            <ol className="steps compact">
              {run.steps.slice(-12).map((s) => (
                <li key={s.index} className={s.isError || s.decision === 'BLOCK' ? 'refused' : ''}>
                  <span className="muted">
                    <PlantTime wall={s.ts} />
                  </span>{' '}
                  {stepText(s)}
                </li>
              ))}
            </ol>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function stepText(s: { kind: string; tool?: string; decision?: string | null; isError?: boolean; text: string }): string {
  if (s.kind === 'tool') return `${s.tool ?? 'tool'} [${s.decision ?? '—'}]${s.isError ? ' refused' : ''}: ${s.text.split('\n')[0].slice(0, 160)}`;
  return `${s.kind === 'thought' ? 'thinks' : s.kind === 'wait' ? 'waits' : 'done'}: ${s.text.slice(0, 200)}`;
}

function DemoRunner() {
  const { client } = useServices();
  const demo = useWork((s) => s.demo);
  const [refusal, setRefusal] = useState<string | null>(null);
  const start = async () => {
    setRefusal(null);
    try {
      const r = await unwrap(client.api.demoRun({ approve: 'operator' }));
      if (!r.accepted) setRefusal(r.reason ?? 'refused');
    } catch (err) {
      setRefusal((err as Error).message);
    }
  };
  const state = !demo ? 'idle' : demo.running ? 'running' : demo.ok ? 'passed' : 'failed';
  return (
    <section aria-label="demo" data-work="demo" data-state={state}>
      <h3>Demo</h3>
      <p className="muted">
        The seed&apos;s story on this plant: the replay jumps to a thermal runaway, the agent diagnoses it, a shutdown is blocked, a load reduction waits for{' '}
        <b>your</b> approval in Approvals, the kill switch stops a run. Afterwards the plant is given back as it was (devices, replay position, speed).
      </p>
      <div className="row wrap">
        <button type="button" data-action="run-demo" disabled={state === 'running'} onClick={() => void start()}>
          Run the demo
        </button>
        <span data-field="demo-state" className={state === 'failed' ? 'abnormal' : ''}>
          {state === 'idle' ? 'not run yet' : state === 'running' ? `running — scene ${demo?.steps.length ?? 0}` : state === 'passed' ? 'passed' : 'failed'}
        </span>
      </div>
      {refusal ? (
        <p className="notice-text" role="alert">
          Not started: {refusal}
        </p>
      ) : null}
      {demo && demo.steps.length ? (
        <ol className="steps compact" aria-label="demo scenes">
          {[...demo.steps]
            .sort((a, b) => a.index - b.index)
            .map((s) => (
              <li key={s.index} data-scene={s.scene} className={s.ok ? '' : 'refused'}>
                {s.ok ? '✔' : '✘'} <b>{s.scene.replace(/_/g, ' ')}</b> — {s.text}
              </li>
            ))}
        </ol>
      ) : null}
    </section>
  );
}

function Traces() {
  const { client } = useServices();
  const finishedRuns = useWork((s) => s.finishedRuns);
  const [list, setList] = useState<TraceSummary[] | null>(null);
  const [open, setOpen] = useState<TraceDetail | null>(null);
  useEffect(() => {
    let off = false;
    void unwrap(client.api.tracesList({ limit: 50 })).then(
      (t) => !off && setList(t),
      () => !off && setList((l) => l ?? []),
    );
    return () => {
      off = true;
    };
  }, [client, finishedRuns]);
  const show = (id: string | null) => {
    if (id === null) return setOpen(null);
    void unwrap(client.api.tracesGet({ traceId: id })).then(setOpen, () => setOpen(null));
  };
  return (
    <section aria-label="traces" data-work="traces">
      <h3>Traces</h3>
      {!list || list.length === 0 ? (
        <Empty loaded={!!list}>No agent runs yet. Run the operator agent or the demo above.</Empty>
      ) : (
        <ExpandingTable
          columns={TRACE_COLUMNS}
          rows={list}
          rowId={(t) => t.traceId}
          rowAttr="data-trace-id"
          openId={open?.trace.traceId ?? null}
          onOpen={show}
          detail={() => (open ? <SpanTree spans={open.spans} /> : null)}
          cells={(t) => (
            <>
              <td className="nowrap">
                <PlantTime wall={t.startMs} />
              </td>
              <td>
                <AgentName id={t.agentId} />
              </td>
              <td>
                <DeviceName id={t.deviceId} />
              </td>
              <td className={t.outcome === 'failed' || t.outcome === 'refused' ? 'abnormal' : ''}>{t.outcome}</td>
              <td className="nowrap">
                {t.decisions.ALLOW ?? 0} / {t.decisions.REVIEW ?? 0} / {t.decisions.BLOCK ?? 0}
              </td>
              <td className="nowrap">
                {t.inputTokens} in / {t.outputTokens} out
              </td>
              <td>${t.costUsd.toFixed(4)}</td>
            </>
          )}
        />
      )}
    </section>
  );
}

const TRACE_COLUMNS: readonly Column[] = [
  { label: 'Started' },
  { label: 'Agent' },
  { label: 'Device' },
  { label: 'Outcome' },
  { label: 'Decisions', title: 'governance decisions: allowed / review / blocked' },
  { label: 'Tokens' },
  { label: 'Cost' },
];

/** The spans of one trace as a tree (children under their parent, in start order), with the decisions in line. */
function SpanTree({ spans }: { spans: SpanView[] }) {
  const rows = useMemo(() => {
    const kids = new Map<string | null, SpanView[]>();
    const ids = new Set(spans.map((s) => s.spanId));
    for (const s of spans) {
      const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : null;
      kids.set(parent, [...(kids.get(parent) ?? []), s]);
    }
    const out: Array<{ span: SpanView; depth: number }> = [];
    const walk = (parent: string | null, depth: number) => {
      for (const s of (kids.get(parent) ?? []).sort((a, b) => a.startMs - b.startMs)) {
        out.push({ span: s, depth });
        walk(s.spanId, depth + 1);
      }
    };
    walk(null, 0);
    return out;
  }, [spans]);
  return (
    <ul className="span-tree" aria-label="span tree">
      {rows.map(({ span, depth }) => {
        const a = span.attributes;
        const decision = a['aegisflow.governance.decision'];
        const tokens = [a['gen_ai.usage.input_tokens'], a['gen_ai.usage.output_tokens']].filter((x) => typeof x === 'number');
        return (
          <li key={span.spanId} style={{ paddingLeft: `${depth * 1.2}em` }} data-span={span.name} className={span.status === 'error' ? 'refused' : ''}>
            <b>{span.name}</b> <span className="muted">{span.endMs !== null ? `${span.endMs - span.startMs} ms` : 'open'}</span>
            {decision ? (
              <span className={decision === 'BLOCK' ? 'abnormal' : ''}>
                {' '}
                · {String(decision)}
                {a['aegisflow.governance.rule_id'] ? ` (rule ${String(a['aegisflow.governance.rule_id'])})` : ''}
                {a['aegisflow.governance.decided_by'] ? ` by ${String(a['aegisflow.governance.decided_by'])}` : ''}
              </span>
            ) : null}
            {tokens.length === 2 ? (
              <span className="muted">
                {' '}
                · {String(tokens[0])} in / {String(tokens[1])} out tokens
              </span>
            ) : null}
            {span.statusMessage ? <span className="muted"> · {span.statusMessage}</span> : null}
          </li>
        );
      })}
    </ul>
  );
}
