// aegisflow plant: the plant model file (issue 15) from a terminal — check one before pointing the
// config at it, print the one in force as a tree, and draft one from a historian export.
import fs from 'node:fs';
import path from 'node:path';
import { loadModelFile, modelPath, parseModel, type PlantModelView, type TagView } from '../../core/model';
import { formatProblems } from '../../core/yaml';
import { clearPasswordWarning, type ConnectorSettings } from '../../../shared/schemas/connectors';
import { buildConfig, buildLinkConfig, COMMON_HELP, COMMON_OPTIONS, fail, parseCommand, usageError } from '../common';
import { LINK_OPTIONS } from '../link';
import type { CliCommand } from '../types';
import { plantBrowse } from './plant-browse';
import { plantConnectors, plantTrust } from './plant-link';
import { DraftError, draftModelFromCsv } from './plant-import';
import { importSparkplug } from './plant-sparkplug';

const HELP = `Usage: aegisflow plant validate FILE
       aegisflow plant show [--model FILE] [--json]
       aegisflow plant import-csv FILE.csv [--out model.yaml] [--device-column C] [--time-column C]
       aegisflow plant import-sparkplug mqtt://HOST:1883 [--group G] [--seconds N] [--rebirth] [--username U] [--ca FILE] [--out model.yaml]
       aegisflow plant browse opc.tcp://HOST:PORT [--security MODE] [--trust THUMBPRINT] [--user U --password-env VAR] [--out model.yaml]
       aegisflow plant connectors [--json] [--operator NAME]
       aegisflow plant trust CONNECTOR THUMBPRINT --operator NAME

The plant model is one YAML file: site > areas > lines > assets (ISA-95), asset types with their
tags (unit, engineering range, normal band, HH/H/L/LL limits, sampling period) and commands, and the
connectors the tags are read through. The seed's plant is resources/plants/demo.yaml (the default);
the config's plant.model points at another (README, "Describe your own plant").

Subcommands:
  validate FILE       check a model file: prints "OK" with its counts (areas, lines, assets, tags,
                      connectors, sampling periods), or every problem as "file:line:col path: message"
  show                the model in force as a tree: site > area > line > asset > tags (unit, range,
                      normal band, limits, sampling period)
  import-csv FILE     infer a draft model from a CSV export: one asset per device (one asset if there
                      is no device column), one tag per numeric column, range from min/max with a
                      margin, normal band from the 1st..99th percentile, sampling period from the
                      median time step, an MQTT JSON connector. Comments in it say what to check.
  import-sparkplug URL  listen to a broker for --seconds (default 10) and draft a model from the Sparkplug B
                      births seen: an edge node per line, a device per asset, a metric per tag (bound by
                      node, device and metric), units and ranges from the births' engUnit/engLow/engHigh
                      or the values seen. --group G: one group only; --rebirth: ask nodes that send data
                      but no birth to birth again; --username U (password in AEGISFLOW_SPARKPLUG_PASSWORD);
                      --ca FILE: the CA of an mqtts:// broker's certificate
  browse URL          list an OPC UA server's numeric variables and draft model entries for them: one
                      asset per object, one tag per variable bound to its node id through an opc-ua
                      connector (range and unit from EURange / EngineeringUnits when the server has them)
  connectors          the running app's connectors: state, values, errors, and the server certificate an
                      OPC UA connector waits on (its thumbprint)
  trust ID THUMBPRINT trust the server certificate connector ID waits on, as an operator of the running
                      app (audited as CERT_TRUSTED; the control room's Trust button does the same)

Options:
      --model FILE          show: this model file instead of the config's plant.model
      --json                show: print the resolved model as JSON (every tag of every asset spelled out);
                            browse: print the variables found as JSON instead of a draft; connectors: as JSON
      --out FILE            import-csv, import-sparkplug, browse: write the draft here (default: stdout);
                            refuses an existing file unless --force
      --force               overwrite --out
      --device-column C     import-csv: the device id column (default device_id if present, else one asset);
                            "line/asset" ids keep their line
      --time-column C       import-csv: the time column (default the first of timestamp, datetime, time,
                            ts, date); ISO 8601, 'YYYY-MM-DD hh:mm:ss', epoch s or ms
      --sep C               import-csv: field separator ',' ';' or 'tab' (default: from the header line)
      --security MODE       browse: None (default), Sign or SignAndEncrypt (Basic256Sha256); our certificate
                            is under <dataDir>/pki/opcua/plant-browse
      --trust THUMBPRINT    browse: trust the server certificate with this SHA-1 thumbprint (printed when
                            it is not trusted yet)
      --user U              browse: log in as U; --password-env VAR names the variable holding the password
      --root NODEID         browse: start here instead of the Objects folder (e.g. ns=2;s=Line1)
      --depth N             browse: how deep to follow objects and folders (default 8)
      --group G             import-sparkplug: listen to this Sparkplug group only (default every group)
      --seconds N           import-sparkplug: how long to listen (default 10)
      --rebirth             import-sparkplug: ask nodes that send data without a birth seen to birth again
      --username U          import-sparkplug: broker user (password from AEGISFLOW_SPARKPLUG_PASSWORD)
      --ca FILE             import-sparkplug: CA certificate (PEM) of an mqtts:// broker; the draft's
                            connector gets it as broker.ca (relative to --out)
      --operator NAME       connectors, trust: log in to the running app as this operator (env
                            AEGISFLOW_OPERATOR; password from AEGISFLOW_PASSWORD or a prompt)
${COMMON_HELP}

Exit codes: 0 done (validate: the model is valid), 1 the model has problems (or the app refused),
2 usage error, a file that cannot be read, or no app runs (connectors, trust), 3 login refused.

Examples:
  aegisflow plant validate plants/water.yaml
  aegisflow plant show --config aegisflow.yaml
  aegisflow plant import-csv historian.csv --device-column tag_group --out plants/draft.yaml
  aegisflow plant browse opc.tcp://plc.local:4840 --security SignAndEncrypt --out plants/plc.yaml
  aegisflow plant import-sparkplug mqtts://broker:8883 --ca plant-ca.pem --group works --seconds 30 --out plants/works.yaml
  aegisflow plant connectors --operator "Dana Reyes"
  aegisflow plant trust opcua 0110c82a5046aaa6798c576e15ab47b5c1f51a55 --operator "Dana Reyes"`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  model: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  'device-column': { type: 'string' },
  'time-column': { type: 'string' },
  sep: { type: 'string' },
  group: { type: 'string' },
  seconds: { type: 'string' },
  rebirth: { type: 'boolean' },
  username: { type: 'string' },
  ca: { type: 'string' },
  security: { type: 'string' },
  trust: { type: 'string' },
  user: { type: 'string' },
  'password-env': { type: 'string' },
  root: { type: 'string' },
  depth: { type: 'string' },
  ...LINK_OPTIONS,
} as const;

const SUBCOMMANDS = ['validate', 'show', 'import-csv', 'import-sparkplug', 'browse', 'connectors', 'trust'];

/** "12 tags every 1 s, 48 every 60 s" */
function samplingSummary(m: PlantModelView): string {
  const by = new Map<number, number>();
  for (const a of m.assets) for (const t of a.tags) by.set(t.sampling_s, (by.get(t.sampling_s) ?? 0) + 1);
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s} s (${n} tag${n === 1 ? '' : 's'})`)
    .join(', ');
}

export function modelCounts(m: PlantModelView): string {
  const lines = m.areas.reduce((n, a) => n + a.lines.length, 0);
  const tags = m.assets.reduce((n, a) => n + a.tags.length, 0);
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${plural(m.areas.length, 'area')}, ${plural(lines, 'line')}, ${plural(m.assets.length, 'asset')}, ${plural(tags, 'tag')}, ${plural(m.connectors.length, 'connector')}; sampling every ${samplingSummary(m)}`;
}

const span = (r: readonly [number, number]) => `${r[0]}..${r[1]}`;

function tagLine(t: TagView): string {
  const limits = t.limits.map((l) => `${l.key} ${l.value} ${l.priority}`).join(', ');
  return [
    t.key.padEnd(14),
    (t.unit || '-').padEnd(6),
    `range ${span(t.range)}`,
    `normal ${span(t.normal)}`,
    limits ? `limits ${limits}` : 'no limits',
    `every ${t.sampling_s} s`,
    t.type === 'float' ? '' : t.type,
    t.detect ? '' : 'not scored',
    `via ${t.source.connector}`,
  ]
    .filter(Boolean)
    .join('  ');
}

function printTree(m: PlantModelView): void {
  const named = (id: string, name: string) => (name && name !== id ? `${id} — ${name}` : id);
  const w = (s: string) => process.stdout.write(s + '\n');
  w(`${named(m.site.id, m.site.name)}  (${m.file}, version ${m.version})`);
  w(`connectors: ${m.connectors.map((c) => `${c.id} (${c.type})`).join(', ')}`);
  const assets = new Map(m.assets.map((a) => [a.id, a]));
  for (const area of m.areas) {
    w(`  area ${named(area.id, area.name)}`);
    for (const line of area.lines) {
      w(`    line ${named(line.id, line.name)}`);
      for (const id of line.assets) {
        const a = assets.get(id);
        if (!a) continue;
        const cmds = a.commands.map((c) => c.name).join(', ');
        w(`      asset ${named(a.id, a.name)}  [${a.type_name}]${cmds ? `  commands: ${cmds}` : ''}`);
        for (const t of a.tags) w(`        ${tagLine(t)}`);
      }
    }
  }
}

/** Load a model file for the CLI: a file that is not there is a usage error (2), a bad one prints its problems (1). */
function load(file: string, command: string): { model: PlantModelView; connectors: readonly ConnectorSettings[] } | number {
  if (!fs.existsSync(file)) {
    process.stderr.write(`aegisflow plant ${command}: no such file: ${file}\n`);
    return 2;
  }
  const r = loadModelFile(file);
  if (r.ok) return r;
  process.stderr.write(formatProblems(file, r.problems) + '\n');
  process.stderr.write(`${file}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}; the model is refused\n`);
  return 1;
}

export const plantCommand: CliCommand = {
  name: 'plant',
  summary:
    'the plant model file: plant validate FILE, plant show, plant import-csv FILE.csv, plant import-sparkplug mqtt://…, plant browse opc.tcp://… (drafts); plant connectors, plant trust (the running app)',
  help: HELP,
  async run(argv) {
    const parsed = parseCommand(argv, OPTIONS, HELP, { needsSubcommand: true });
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    const [sub, ...args] = positionals;
    if (!sub || !SUBCOMMANDS.includes(sub)) {
      process.stderr.write(`aegisflow plant: unknown subcommand "${sub ?? ''}"\n\n${HELP}\n`);
      return 2;
    }
    try {
      if (sub === 'show') {
        if (args.length) throw usageError(`plant show takes no file; use --model FILE (got "${args.join(' ')}")`);
        const cfg = values.model ? null : buildConfig(values);
        const file = values.model ?? (cfg ? modelPath(cfg.plant, cfg.resourcesDir) : '');
        const loaded = load(file, 'show');
        if (typeof loaded === 'number') return loaded;
        const m = loaded.model;
        if (values.json) process.stdout.write(JSON.stringify(m, null, 2) + '\n');
        else printTree(m);
        return 0;
      }
      if (sub === 'connectors') {
        if (args.length) throw usageError(`plant connectors takes no argument (got "${args.join(' ')}")`);
        return await plantConnectors(buildLinkConfig(values), values);
      }
      if (sub === 'trust') return await plantTrust(buildLinkConfig(values), args, values);
      if (sub === 'browse') {
        if (args.length > 1) throw usageError(`plant browse takes one endpoint URL (got "${args.join(' ')}")`);
        return await plantBrowse(args[0], values, buildConfig(values).dataDir);
      }
      const file = args[0];
      if (!file || args.length > 1) throw usageError(`plant ${sub} takes exactly one file`);
      if (sub === 'validate') {
        const loaded = load(file, 'validate');
        if (typeof loaded === 'number') return loaded;
        const m = loaded.model;
        process.stdout.write(`${file}: OK — site ${m.site.id}: ${modelCounts(m)}\n`);
        for (const c of loaded.connectors) {
          const w = clearPasswordWarning(c);
          if (w) process.stderr.write(`warning: ${w}\n`);
        }
        return 0;
      }
      if (sub === 'import-sparkplug') return await importSparkplug(file, values);
      return importCsv(file, values);
    } catch (err) {
      return fail(err, 'aegisflow plant');
    }
  },
};

function importCsv(file: string, values: { out?: string; force?: boolean; sep?: string; 'device-column'?: string; 'time-column'?: string }): number {
  if (!fs.existsSync(file)) {
    process.stderr.write(`aegisflow plant import-csv: no such file: ${file}\n`);
    return 2;
  }
  if (values.out && fs.existsSync(values.out) && !values.force) throw usageError(`${values.out} exists; pass --force to overwrite it`);
  const sep = values.sep === 'tab' ? '\t' : values.sep;
  let draft;
  try {
    draft = draftModelFromCsv(fs.readFileSync(file, 'utf8'), {
      source: path.basename(file),
      deviceColumn: values['device-column'],
      timeColumn: values['time-column'],
      sep,
    });
  } catch (err) {
    if (err instanceof DraftError) throw usageError(err.message);
    throw err;
  }
  // the draft must pass validate as written; if it does not, that is this command's bug, not the CSV's
  const check = parseModel(draft.yaml, values.out ?? '<draft>');
  if (!check.ok) {
    process.stderr.write(`aegisflow plant import-csv: the draft does not validate (a bug):\n${formatProblems(values.out ?? '<draft>', check.problems)}\n`);
    return 1;
  }
  if (!values.out) {
    process.stdout.write(draft.yaml);
  } else {
    fs.writeFileSync(values.out, draft.yaml);
    process.stdout.write(
      `wrote ${values.out}: ${draft.assets} asset${draft.assets === 1 ? '' : 's'} × ${draft.tags.length} tags (${draft.tags.join(', ')}) from ${draft.rows} rows\n` +
        (draft.skipped.length ? `left out: ${draft.skipped.join(', ')}\n` : '') +
        `check the lines marked CHECK, then: aegisflow plant validate ${values.out}\n`,
    );
  }
  return 0;
}
