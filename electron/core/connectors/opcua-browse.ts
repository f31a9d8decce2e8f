// Browse an OPC UA server's address space (for `aegisflow plant browse`): every variable under Objects
// with a numeric or boolean value, its node id, the object it belongs to, its engineering range
// (EURange) and unit when the server says. Read-only; one session, closed at the end.
import {
  AttributeIds,
  BrowseDirection,
  DataType,
  MessageSecurityMode,
  NodeClass,
  OPCUAClient,
  ObjectIds,
  SecurityPolicy,
  UserTokenType,
  resolveNodeId,
  type ClientSession,
  type OPCUACertificateManager,
  type ReferenceDescription,
  type UserIdentityInfo,
} from 'node-opcua';

export interface BrowsedVariable {
  nodeId: string;
  browseName: string;
  displayName: string;
  /** The chain of objects and folders from Objects down to the variable's parent (browse names). */
  path: string[];
  /** The display name of the object holding it ("Raw water pump 1"), when it has one. */
  parentName?: string;
  dataType: string;
  range: [number, number] | null;
  unit: string | null;
}

export interface BrowseOptions {
  endpoint: string;
  securityMode: 'None' | 'Sign' | 'SignAndEncrypt';
  certificateManager: OPCUACertificateManager;
  user?: { username: string; password: string };
  /** Where to start (default the Objects folder). */
  root?: string;
  maxDepth?: number;
  maxVariables?: number;
}

const NUMERIC = new Set<DataType>([
  DataType.Boolean,
  DataType.SByte,
  DataType.Byte,
  DataType.Int16,
  DataType.UInt16,
  DataType.Int32,
  DataType.UInt32,
  DataType.Int64,
  DataType.UInt64,
  DataType.Float,
  DataType.Double,
]);

async function children(session: ClientSession, nodeId: string): Promise<ReferenceDescription[]> {
  const r = await session.browse({
    nodeId,
    browseDirection: BrowseDirection.Forward,
    referenceTypeId: 'HierarchicalReferences',
    includeSubtypes: true,
    nodeClassMask: NodeClass.Object | NodeClass.Variable,
    resultMask: 63,
  });
  const refs = [...(r.references ?? [])];
  let cp = r.continuationPoint;
  while (cp && cp.length) {
    const next = await session.browseNext(cp, false);
    refs.push(...(next.references ?? []));
    cp = next.continuationPoint;
  }
  return refs;
}

/** The EURange and EngineeringUnits properties of an AnalogItem, when it has them. */
async function analogProperties(session: ClientSession, nodeId: string): Promise<{ range: [number, number] | null; unit: string | null }> {
  const props = await children(session, nodeId);
  let range: [number, number] | null = null;
  let unit: string | null = null;
  for (const p of props) {
    const name = p.browseName.name;
    if (name !== 'EURange' && name !== 'EngineeringUnits') continue;
    const dv = await session.read({ nodeId: p.nodeId, attributeId: AttributeIds.Value });
    const v: unknown = dv.value.value;
    if (name === 'EURange' && v && typeof v === 'object' && 'low' in v && 'high' in v) {
      const { low, high } = v;
      if (typeof low === 'number' && typeof high === 'number' && low < high) range = [low, high];
    }
    if (name === 'EngineeringUnits' && v && typeof v === 'object' && 'displayName' in v) {
      const text = (v as { displayName?: { text?: unknown } }).displayName?.text;
      if (typeof text === 'string' && text) unit = text;
    }
  }
  return { range, unit };
}

export async function browseServer(opts: BrowseOptions): Promise<BrowsedVariable[]> {
  const secure = opts.securityMode !== 'None';
  const client = OPCUAClient.create({
    applicationName: 'AegisFlow',
    clientCertificateManager: opts.certificateManager,
    securityMode: MessageSecurityMode[opts.securityMode],
    securityPolicy: secure ? SecurityPolicy.Basic256Sha256 : SecurityPolicy.None,
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
  });
  await client.connect(opts.endpoint);
  try {
    const identity: UserIdentityInfo = opts.user
      ? { type: UserTokenType.UserName, userName: opts.user.username, password: opts.user.password }
      : { type: UserTokenType.Anonymous };
    const session = await client.createSession(identity);
    const out: BrowsedVariable[] = [];
    const max = opts.maxVariables ?? 20_000;
    const seen = new Set<string>();
    const serverObject = resolveNodeId(ObjectIds.Server).toString();
    const walk = async (nodeId: string, path: string[], depth: number, parentName?: string): Promise<void> => {
      if (depth > (opts.maxDepth ?? 8) || out.length >= max) return;
      for (const ref of await children(session, nodeId)) {
        const id = ref.nodeId.toString();
        if (seen.has(id) || id === serverObject) continue;
        seen.add(id);
        if (ref.nodeClass === NodeClass.Variable) {
          const dt = await session.read({ nodeId: id, attributeId: AttributeIds.DataType });
          const typeId: unknown = dt.value.value;
          const builtIn = typeId && typeof typeId === 'object' && 'value' in typeId ? Number(typeId.value) : NaN;
          if (!NUMERIC.has(builtIn)) continue;
          const { range, unit } = await analogProperties(session, id);
          out.push({
            nodeId: id,
            browseName: ref.browseName.name ?? id,
            displayName: ref.displayName.text ?? ref.browseName.name ?? id,
            path,
            ...(parentName ? { parentName } : {}),
            dataType: DataType[builtIn] ?? String(builtIn),
            range,
            unit,
          });
          if (out.length >= max) return;
        } else await walk(id, [...path, ref.browseName.name ?? id], depth + 1, ref.displayName.text ?? undefined);
      }
    };
    await walk(opts.root ?? resolveNodeId(ObjectIds.ObjectsFolder).toString(), [], 0);
    await session.close();
    return out;
  } finally {
    await client.disconnect();
  }
}
