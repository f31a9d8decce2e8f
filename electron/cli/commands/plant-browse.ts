// `aegisflow plant browse opc.tcp://…`: list an OPC UA server's variables and draft model entries for
// them. One asset per object that holds numeric variables (its parent folder or object becomes the
// line), one asset type per asset, one tag per variable bound to its node id; range and unit from the
// AnalogItem's EURange and EngineeringUnits when the server gives them. The draft says what to check.
import fs from 'node:fs';
import { format } from 'node:util';
import { loadOpcUaTools, type BrowsedVariable } from '../../core/connectors';
import { parseModel } from '../../core/model';
import { formatProblems } from '../../core/yaml';
import { usageError } from '../common';
import { slug } from './plant-import';

export interface BrowseValues {
  security?: string;
  user?: string;
  'password-env'?: string;
  trust?: string;
  root?: string;
  depth?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
}

const q = (s: string) => JSON.stringify(s);

interface DraftAsset {
  line: string;
  asset: string;
  name: string;
  vars: BrowsedVariable[];
}

function unique(base: string, taken: Set<string>): string {
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}-${i}`;
  taken.add(id);
  return id;
}

/** A draft plant model (YAML) for the browsed variables, bound to one opc-ua connector. */
export function draftFromBrowse(endpoint: string, security: string, vars: readonly BrowsedVariable[]): { yaml: string; assets: number; tags: number } {
  const byParent = new Map<string, BrowsedVariable[]>();
  for (const v of vars) {
    const k = v.path.join('\u0000');
    byParent.set(k, [...(byParent.get(k) ?? []), v]);
  }
  const assetIds = new Set<string>();
  const assets: DraftAsset[] = [];
  for (const list of byParent.values()) {
    const first = list[0];
    if (!first) continue;
    const p = first.path;
    assets.push({
      line: slug(p.at(-2) ?? 'line-1', 'line-1'),
      asset: unique(slug(p.at(-1) ?? 'asset', 'asset'), assetIds),
      name: first.parentName ?? p.at(-1) ?? 'asset',
      vars: list,
    });
  }
  const out: string[] = [];
  const w = (s = '') => out.push(s);
  w(`# Draft plant model from \`aegisflow plant browse ${endpoint}\` (${assets.length} assets, ${vars.length} variables).`);
  w('# Check every line marked CHECK, then: aegisflow plant validate THIS_FILE');
  w("#   - ids, names and the hierarchy: the objects' browse names became assets, their parents lines;");
  w("#   - range and unit: the variable's EURange and EngineeringUnits where the server has them; else [0, 100] and no unit, marked CHECK;");
  w('#   - sampling_s: how often the value changes in the process (the connector samples at twice that rate);');
  w('#   - node ids use the namespace index (ns=N): if the server may renumber namespaces, write nsu=<namespace URI>;');
  w('#   - limits and commands: none inferred.');
  w();
  w('plant_model: 1');
  w();
  w('site:');
  w('  id: my-plant # CHECK');
  w(`  name: ${q(`Browsed from ${endpoint}`)}`);
  w();
  w('connectors:');
  w('  - id: opcua');
  w('    type: opc-ua');
  w(`    endpoint: ${q(endpoint)}`);
  w(`    security_mode: ${security}`);
  w('    # user: { username: operator, password_env: AEGISFLOW_OPCUA_PASSWORD } # CHECK: anonymous unless the server needs a user');
  w();
  w('asset_types:');
  for (const a of assets) {
    w(`  ${a.asset}:`);
    w(`    name: ${q(a.name)}`);
    w('    tags:');
    const keys = new Set<string>();
    for (const v of a.vars) {
      const key = unique(slug(v.browseName, 'tag'), keys);
      const bool = v.dataType === 'Boolean';
      const range: [number, number] = bool ? [0, 1] : (v.range ?? [0, 100]);
      const f = [`name: ${q(v.displayName)}`, `unit: ${q(v.unit ?? '')}`];
      if (bool) f.push('type: bool');
      else if (/Int|Byte/.test(v.dataType)) f.push('type: int');
      f.push(`range: [${range[0]}, ${range[1]}]`, 'sampling_s: 1', `source: { connector: opcua, node: ${q(v.nodeId)} }`);
      const notes = [v.dataType, v.range || bool ? '' : 'CHECK range', v.unit || bool ? '' : 'CHECK unit', 'CHECK sampling_s'].filter(Boolean).join('; ');
      w(`      ${key}: { ${f.join(', ')} } # ${notes}`);
    }
  }
  w();
  w('areas:');
  w('  - id: area-1 # CHECK');
  w('    lines:');
  const byLine = new Map<string, DraftAsset[]>();
  for (const a of assets) byLine.set(a.line, [...(byLine.get(a.line) ?? []), a]);
  for (const [line, list] of byLine) {
    w(`      - id: ${line}`);
    w('        assets:');
    for (const a of list) w(`          - { id: ${a.asset}, type: ${a.asset}, name: ${q(a.name)} }`);
  }
  return { yaml: out.join('\n') + '\n', assets: assets.length, tags: vars.length };
}

export async function plantBrowse(endpoint: string | undefined, values: BrowseValues, dataDir: string): Promise<number> {
  if (!endpoint || !/^opc\.tcp:\/\/\S+$/.test(endpoint)) throw usageError('plant browse takes an endpoint URL such as opc.tcp://plc.local:4840');
  const security = values.security ?? 'None';
  if (security !== 'None' && security !== 'Sign' && security !== 'SignAndEncrypt') throw usageError('--security is None, Sign or SignAndEncrypt');
  if (values.out && fs.existsSync(values.out) && !values.force) throw usageError(`${values.out} exists; pass --force to overwrite it`);
  let user: { username: string; password: string } | undefined;
  if (values.user) {
    const env = values['password-env'];
    const password = env ? process.env[env] : undefined;
    if (!env || password === undefined) throw usageError('--user needs --password-env VAR naming an environment variable that holds the password');
    user = { username: values.user, password };
  }
  const { browseServer, isTrusted, openPki, pkiDir, serverCertificate, setErrorLogger, setWarningLogger } = await loadOpcUaTools();
  // node-opcua writes its notes to stdout, where the draft goes: its errors to stderr, the rest nowhere.
  setWarningLogger(() => undefined);
  setErrorLogger((...args: unknown[]) => process.stderr.write(`node-opcua: ${format(...args)}\n`));
  // The same kind of PKI as the connector's, under the data dir; a server is trusted for browsing only with --trust.
  const cm = await openPki(pkiDir(dataDir, 'plant-browse'));
  try {
    if (security !== 'None') {
      const cert = await serverCertificate(cm, endpoint, security);
      if (!(await isTrusted(cm, cert.der))) {
        if (values.trust?.toLowerCase() !== cert.thumbprint) {
          process.stderr.write(
            `aegisflow plant browse: the server's certificate is not trusted:\n  ${cert.subject}\n  thumbprint ${cert.thumbprint}\n` +
              `Compare it with the server's own display, then run again with --trust ${cert.thumbprint}\n`,
          );
          return 1;
        }
        await cm.trustCertificate(cert.der);
      }
    }
    const vars = await browseServer({
      endpoint,
      securityMode: security,
      certificateManager: cm,
      user,
      root: values.root,
      maxDepth: values.depth ? Number(values.depth) : undefined,
    });
    if (values.json) {
      process.stdout.write(JSON.stringify(vars, null, 2) + '\n');
      return 0;
    }
    if (!vars.length) {
      process.stderr.write(`aegisflow plant browse: no numeric variables under ${values.root ?? 'Objects'} on ${endpoint}\n`);
      return 1;
    }
    const draft = draftFromBrowse(endpoint, security, vars);
    const check = parseModel(draft.yaml, values.out ?? '<draft>');
    if (!check.ok) {
      process.stderr.write(`aegisflow plant browse: the draft does not validate (a bug):\n${formatProblems(values.out ?? '<draft>', check.problems)}\n`);
      return 1;
    }
    if (!values.out) process.stdout.write(draft.yaml);
    else {
      fs.writeFileSync(values.out, draft.yaml);
      process.stdout.write(
        `wrote ${values.out}: ${draft.assets} assets, ${draft.tags} tags from ${endpoint}\ncheck the lines marked CHECK, then: aegisflow plant validate ${values.out}\n`,
      );
    }
    return 0;
  } finally {
    await cm.dispose();
  }
}
