// The simulated fleet (seed 001's Research / Data / Analytics / Coordinator agents with model and
// MCP labels) and its chaos injector. Each agent produces one vitals sample per tick with
// lognormal noise; an injected failure changes the vitals in its characteristic way until a
// healing action that really cures it is applied. Which actions cure which failure is the
// simulator's ground truth; the immune system never reads it, it has to find out.
import { seededRng } from '../clock';
import type { ActionOutcome, HealingActuator } from './ports';
import type { ChaosType, HealingAction, Vitals } from './schemas';

const KINDS = {
  research: { latency: 2200, input: 1800, output: 600, tools: 4 },
  data: { latency: 900, input: 900, output: 250, tools: 6 },
  analytics: { latency: 1500, input: 1400, output: 500, tools: 3 },
  coordinator: { latency: 700, input: 600, output: 200, tools: 2 },
} as const;
type Kind = keyof typeof KINDS;

/** USD per 1k tokens (input, output): rough list prices; only ratios matter here. */
const MODELS: Record<string, [number, number]> = {
  'gpt-5': [0.00125, 0.01],
  'gpt-5-mini': [0.00025, 0.002],
  'claude-sonnet-4.5': [0.003, 0.015],
  'claude-haiku-4.5': [0.001, 0.005],
  'llama-3.1-70b (local)': [0.0002, 0.0002],
};
/** What cost_spike swaps a model to (a silent upgrade to a premium model). */
const PREMIUM_MODEL = 'gpt-5-pro';
const PREMIUM_PRICE: [number, number] = [0.015, 0.12];

const MCP_SERVERS: Record<string, string[]> = {
  filesystem: ['read_file', 'list_directory'],
  github: ['search_code', 'get_issue'],
  postgres: ['query'],
  'web-search': ['search', 'fetch_page'],
  slack: ['post_message'],
  jira: ['create_ticket', 'search_tickets'],
  'aegisflow-plant': ['get_sensor_stream', 'get_device_status', 'query_device_manual'],
};

/** Ground truth: the actions that cure each failure, with their chance of success. */
const CURES: Record<ChaosType, Partial<Record<HealingAction, number>>> = {
  prompt_drift: { rollback_prompt: 1, clone_agent: 1 },
  prompt_injection: { reset_memory: 1, clone_agent: 1 },
  infinite_loop: { reset_memory: 0.5, revoke_tools: 1, clone_agent: 1 },
  tool_instability: { revoke_tools: 1, clone_agent: 1 },
  memory_corruption: { reset_memory: 1, clone_agent: 1 },
  token_explosion: { reset_memory: 1, clone_agent: 1 },
  latency_spike: { revoke_tools: 1, clone_agent: 1 },
  retry_storm: { revoke_tools: 1, clone_agent: 1 },
  cost_spike: { rollback_prompt: 1, clone_agent: 1 },
};

export interface SimAgentInfo {
  agent_id: string;
  kind: Kind;
  model: string;
  mcp_servers: string[];
  infection: ChaosType | null;
  infected_at: number | null;
  revoked_tools: string[];
  reduced_autonomy: boolean;
  generation: number;
}

interface SimAgent extends SimAgentInfo {
  scale: number;
  intensity: number;
  tools: string[];
  promptHash: string;
}

export interface SimulatedFleetOptions {
  size: number;
  seed: number;
  /** Agent id prefix; ids are <prefix>-NN. */
  prefix?: string;
  /** Lognormal sigma of per-run noise (0.15 ≈ 15 % spread). */
  noise?: number;
}

export interface SimulatedFleet extends HealingActuator {
  readonly size: number;
  agents(): SimAgentInfo[];
  /** One run of one agent: its vitals at time ts. */
  sample(agentId: string, ts: number): Vitals;
  /** One tick: a sample from every agent not suspended. */
  tick(ts: number, isSuspended: (agentId: string) => boolean): Vitals[];
  /** intensity in (0, 1]: 1 = the full failure, 0.5 = half its excess over normal. */
  inject(agentId: string, type: ChaosType, ts: number, intensity?: number): void;
  infection(agentId: string): ChaosType | null;
}

function hashOf(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function createSimulatedFleet(opts: SimulatedFleetOptions): SimulatedFleet {
  const rng = seededRng(opts.seed);
  const sigma = opts.noise ?? 0.15;
  const prefix = opts.prefix ?? 'sim';
  const kinds = Object.keys(KINDS) as Kind[];
  const models = Object.keys(MODELS);
  const servers = Object.keys(MCP_SERVERS);
  const byId = new Map<string, SimAgent>();

  const gauss = () => {
    const u = Math.max(rng(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
  const logn = () => Math.exp(sigma * gauss() - (sigma * sigma) / 2);
  const poisson = (lambda: number) => {
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gauss()));
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= rng();
    } while (p > l);
    return k - 1;
  };

  for (let i = 0; i < opts.size; i++) {
    const kind = kinds[i % kinds.length];
    const id = `${prefix}-${kind}-${String(i + 1).padStart(2, '0')}`;
    const nServers = 1 + Math.floor(rng() * 3);
    const mine = new Set<string>();
    while (mine.size < nServers) mine.add(servers[Math.floor(rng() * servers.length)]);
    const mcp = [...mine].sort();
    const agent: SimAgent = {
      agent_id: id,
      kind,
      model: models[Math.floor(rng() * models.length)],
      mcp_servers: mcp,
      tools: mcp.flatMap((s) => MCP_SERVERS[s]),
      scale: 0.8 + rng() * 0.45,
      promptHash: hashOf(`${id}:prompt:v1`),
      infection: null,
      intensity: 1,
      infected_at: null,
      revoked_tools: [],
      reduced_autonomy: false,
      generation: 1,
    };
    byId.set(id, agent);
  }

  const get = (id: string): SimAgent => {
    const a = byId.get(id);
    if (!a) throw new Error(`no simulated agent ${id}`);
    return a;
  };

  function sample(agentId: string, ts: number): Vitals {
    const a = get(agentId);
    const k = KINDS[a.kind];
    let latency = k.latency * a.scale * logn();
    let input = k.input * a.scale * logn();
    let output = k.output * a.scale * logn();
    let tools = poisson(k.tools);
    let retries = poisson(0.15);
    let errors = rng() < 0.02 ? 1 : 0;
    let model = a.model;
    let price = MODELS[a.model];
    let prompt = a.promptHash;
    const ki = a.intensity;
    // Multipliers and additions scale with the injected intensity (1 = the full failure).
    const x = (m: number) => 1 + (m - 1) * ki;
    const plus = (n: number) => Math.round(n * ki);
    switch (a.infection) {
      case 'prompt_drift':
        prompt = hashOf(`${a.agent_id}:drifted:${a.generation}`);
        output *= x(2.6);
        break;
      case 'prompt_injection':
        prompt = hashOf(`${a.agent_id}:injected:${a.generation}`);
        input *= x(4);
        tools = Math.round(tools * x(3)) + plus(3);
        break;
      case 'infinite_loop':
        tools = Math.round(tools * x(3)) + plus(24);
        input *= x(3);
        output *= x(3);
        latency *= x(4);
        break;
      case 'tool_instability':
        retries += plus(5 + poisson(3));
        errors += plus(3 + poisson(1));
        latency *= x(2.5);
        break;
      case 'memory_corruption':
        input *= x(3);
        output *= x(2.5);
        errors += plus(3 + poisson(1));
        break;
      case 'token_explosion':
        input *= x(5);
        output *= x(5);
        break;
      case 'latency_spike':
        latency *= x(5);
        break;
      case 'retry_storm':
        retries += plus(6 + poisson(3));
        break;
      case 'cost_spike':
        model = PREMIUM_MODEL;
        price = [price[0] + (PREMIUM_PRICE[0] - price[0]) * ki, price[1] + (PREMIUM_PRICE[1] - price[1]) * ki];
        break;
      case null:
        break;
    }
    const input_tokens = Math.round(input);
    const output_tokens = Math.round(output);
    const used = a.tools.filter((t) => !a.revoked_tools.includes(t));
    return {
      agent_id: a.agent_id,
      ts,
      latency_ms: Math.round(latency),
      input_tokens,
      output_tokens,
      total_tokens: input_tokens + output_tokens,
      cost_usd: (input_tokens / 1000) * price[0] + (output_tokens / 1000) * price[1],
      tool_calls: tools,
      retries,
      prompt_hash: prompt,
      errors,
      model,
      mcp_servers: a.mcp_servers,
      tools: used.length ? [used[Math.floor(rng() * used.length)]] : [],
    };
  }

  async function apply(agentId: string, action: HealingAction, params: { tools: string[] }): Promise<ActionOutcome> {
    const a = get(agentId);
    switch (action) {
      case 'revoke_tools':
        for (const t of params.tools) if (!a.revoked_tools.includes(t)) a.revoked_tools.push(t);
        break;
      case 'reduce_autonomy':
        a.reduced_autonomy = true;
        break;
      case 'clone_agent':
        // A fresh replica from the known-good definition: same id and labels, clean state.
        a.generation += 1;
        a.revoked_tools = [];
        a.reduced_autonomy = false;
        break;
      default:
        break;
    }
    const chance = a.infection ? (CURES[a.infection][action] ?? 0) : 1;
    if (a.infection && rng() < chance) {
      a.infection = null;
      a.infected_at = null;
    }
    // The action itself always runs; whether it cured anything is for verification to find out.
    return { ok: true, detail: `${action} applied to ${agentId}` };
  }

  return {
    size: opts.size,
    agents: () =>
      [...byId.values()].map((a) => ({
        agent_id: a.agent_id,
        kind: a.kind,
        model: a.model,
        mcp_servers: [...a.mcp_servers],
        infection: a.infection,
        infected_at: a.infected_at,
        revoked_tools: [...a.revoked_tools],
        reduced_autonomy: a.reduced_autonomy,
        generation: a.generation,
      })),
    sample,
    tick(ts, isSuspended) {
      const out: Vitals[] = [];
      for (const id of byId.keys()) if (!isSuspended(id)) out.push(sample(id, ts));
      return out;
    },
    inject(agentId, type, ts, intensity = 1) {
      const a = get(agentId);
      a.infection = type;
      a.intensity = Math.min(1, Math.max(0.05, intensity));
      a.infected_at = ts;
    },
    infection: (agentId) => get(agentId).infection,
    owns: (agentId) => byId.has(agentId),
    apply,
  };
}
