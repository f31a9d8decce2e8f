// The OPC UA client connector (issue 16): one session to one server, one subscription with a monitored
// item per tag (sampling interval and deadband from the tag), StatusCode → quality, source timestamps.
// With Sign / SignAndEncrypt the server's certificate must be trusted explicitly: an unknown one leaves
// the connector down, naming the certificate's thumbprint, until an operator trusts it. Once connected,
// node-opcua reconnects by itself (session transfer; after a server restart a new session and the
// subscription re-created), and the status follows. Commands are a method call per asset carrying the
// command message with its intent token; the server verifies the token and answers its acknowledgement.
import path from 'node:path';
import { format } from 'node:util';
import {
  AttributeIds,
  DataChangeFilter,
  DataChangeTrigger,
  DataType,
  DeadbandType,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  setErrorLogger,
  setWarningLogger,
  TimestampsToReturn,
  UserTokenType,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type OPCUACertificateManager,
  type UserIdentityInfo,
} from 'node-opcua';
import type { OpcUaSettings } from '../../../shared/schemas/connectors-opcua';
import { clearPasswordWarning } from '../../../shared/schemas/connectors';
import type { DeviceReply } from '../broker';
import { commandNodes, limitsText, numericValue, opcUaItems, planSubscriptions, qualityOf, replyOf, tooMany, type OpcUaItem } from './opcua-map';
import { readServerLimits } from './opcua-limits';
import { isTrusted, openPki, pkiDir, protectPrivateKey, serverCertificate, type ServerCertificate } from './opcua-pki';
import { initialStatus, type BoundTag, type Connector, type ConnectorContext, type ConnectorState, type TagSample } from './types';
import type { Logger } from '../observability';

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 15_000;
const COMMAND_TIMEOUT_MS = 10_000;
const ITEMS_PER_SUBSCRIPTION = 1000;

// node-opcua prints its warnings to stdout; they go to our log instead (process-wide: the library has one sink).
let libraryLog: Logger | null = null;
function routeLibraryLogs(log: Logger) {
  if (!libraryLog) {
    setWarningLogger((...args: unknown[]) => libraryLog?.debug({ lib: 'node-opcua' }, format(...args)));
    setErrorLogger((...args: unknown[]) => libraryLog?.warn({ lib: 'node-opcua' }, format(...args)));
  }
  libraryLog = log;
}

export function createOpcUaClientConnector(settings: OpcUaSettings, tags: readonly BoundTag[], ctx: ConnectorContext): Connector {
  const log = ctx.log.child({ component: 'connector', connector: settings.id });
  routeLibraryLogs(ctx.log);
  const items = opcUaItems(settings, tags);
  const varsOf = new Map(tags.map((t) => [t.view.device_id, t.vars]));
  const secure = settings.security_mode !== 'None';
  const status = initialStatus(settings.id, 'opc-ua', settings.endpoint, ctx.clock.now());
  let cm: OPCUACertificateManager | null = null;
  let client: OPCUAClient | null = null;
  let session: ClientSession | null = null;
  let waiting: ServerCertificate | null = null;
  let retry: NodeJS.Timeout | null = null;
  let delay = RETRY_MIN_MS;
  let stopped = true;
  let generation = 0;

  const publish = () => ctx.onStatus({ ...status });
  const setState = (state: ConnectorState, error?: string | null) => {
    if (error !== undefined) status.lastError = error;
    if (status.state === state) {
      if (error !== undefined) publish();
      return;
    }
    status.state = state;
    status.since = ctx.clock.now();
    publish();
  };

  // The values of one publish response arrive as one change event per item, synchronously: one emit for all of them.
  let batch: TagSample[] = [];
  let scheduled = false;
  // …and one commit: a publish response is already the server's batch of its publishing interval, so its
  // values go to the store and the bus now instead of waiting for ingest's flush timer (up to 100 ms, later
  // when the loop is busy: 10,000 tags on 2 loaded cores, source → connector p50 872 ms, → bus 1037 ms). While
  // the store refuses (disk full) ingest keeps them and retries each second; so does this, not per response.
  let committed = true;
  let refusedAt = 0;
  const flush = () => {
    scheduled = false;
    const samples = batch;
    batch = [];
    if (!samples.length) return;
    status.messages++;
    const now = ctx.clock.now();
    status.lastValueAt = now;
    ctx.emit(samples);
    if (committed || now - refusedAt >= RETRY_MIN_MS) {
      committed = ctx.commit();
      if (!committed) refusedAt = now;
    }
  };

  const onValue = (item: OpcUaItem, dv: DataValue) => {
    const now = ctx.plantNow(item.device_id);
    const ts = dv.sourceTimestamp?.getTime() ?? dv.serverTimestamp?.getTime() ?? now;
    if (ts < now - ctx.window.pastMs || ts > now + ctx.window.futureMs) {
      status.errors++;
      status.lastError = `bad_timestamp: ${item.nodeId} at ${new Date(ts).toISOString()}`;
      ctx.reject('bad_timestamp', item.nodeId, `source timestamp ${new Date(ts).toISOString()} is outside the accepted window`);
      return;
    }
    const q = qualityOf(dv.statusCode);
    let value = q.keep ? numericValue(dv.value.value) : null;
    let quality = q.quality;
    if (q.keep && value === null) {
      quality = { level: 'bad', reason: 'bad_payload', detail: `${item.nodeId}: a ${DataType[dv.value.dataType]} is not a number` };
      value = null;
    }
    if (value === null) {
      status.errors++;
      status.lastError = `${item.tag}: ${quality?.detail ?? 'no value'}`;
    } else status.values++;
    // A quality only where there is one: no spread of a throw-away object per value.
    const sample: TagSample = { tag: item.tag, device_id: item.device_id, key: item.key, ts, value };
    if (quality) sample.quality = quality;
    batch.push(sample);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  };

  const identity = (): UserIdentityInfo => {
    if (settings.user === 'anonymous') return { type: UserTokenType.Anonymous };
    const { username, password_env } = settings.user;
    const password = password_env !== undefined ? process.env[password_env] : settings.user.password;
    if (password === undefined) throw new Error(`the environment variable ${password_env ?? ''} (the password of OPC UA user ${username}) is not set`);
    return { type: UserTokenType.UserName, userName: username, password };
  };

  const securityMode = MessageSecurityMode[settings.security_mode];
  const securityPolicy = secure ? SecurityPolicy.Basic256Sha256 : SecurityPolicy.None;

  /** A tag the server does not monitor gets a bad value now: a status, not a silent gap. */
  const markBad = (item: OpcUaItem, detail: string) =>
    batch.push({
      tag: item.tag,
      device_id: item.device_id,
      key: item.key,
      ts: ctx.plantNow(item.device_id),
      value: null,
      quality: { level: 'bad', reason: 'source', detail },
    });

  /** Items the server leaves out, marked bad and named in the status and the log. */
  const leftOut = (left: readonly OpcUaItem[], why: string) => {
    if (!left.length) return;
    status.errors++;
    status.lastError = `${left.length} of ${items.length} tags not monitored: ${why}`;
    log.warn({ left: left.length, tags: items.length, first: left[0]?.tag }, `OPC UA server limit: ${status.lastError}`);
    for (const item of left) markBad(item, `not monitored: ${why}`);
  };

  const watch = async (sub: ClientSubscription, call: OpcUaItem[], gen: number) => {
    const first = call[0];
    if (!first) return;
    const queueSize = Math.min(100, Math.ceil(settings.publishing_interval_ms / Math.max(first.samplingMs, 1)) + 1);
    const filter =
      first.deadband > 0
        ? new DataChangeFilter({ trigger: DataChangeTrigger.StatusValue, deadbandType: DeadbandType.Absolute, deadbandValue: first.deadband })
        : null;
    const g = await sub.monitorItems(
      call.map((i) => ({ nodeId: i.nodeId, attributeId: AttributeIds.Value })),
      { samplingInterval: first.samplingMs, queueSize, discardOldest: true, filter },
      TimestampsToReturn.Both,
    );
    g.on('changed', (_mi, dv, index) => {
      const item = call[index];
      if (item && gen === generation) onValue(item, dv);
    });
    // A node the server does not have (or refuses) is marked bad at once, not left silently empty.
    g.monitoredItems.forEach((mi, i) => {
      const item = call[i];
      if (!item || mi.statusCode.isGood()) return;
      status.errors++;
      status.lastError = `${item.nodeId}: ${mi.statusCode.name}`;
      log.warn({ tag: item.tag, node: item.nodeId, status: mi.statusCode.name }, 'the server refused a monitored item');
      markBad(item, `${item.nodeId}: ${mi.statusCode.name}`);
    });
  };

  // Subscriptions of ITEMS_PER_SUBSCRIPTION items, within the limits the server publishes (node-opcua allows
  // 10 subscriptions per session: 15,000 tags in 15 subscriptions were refused, and the connector retried for ever).
  const monitor = async (s: ClientSession, gen: number) => {
    const limits = await readServerLimits(s);
    const plan = planSubscriptions(items, limits, ITEMS_PER_SUBSCRIPTION);
    log.info({ limits, subscriptions: plan.subscriptions.length }, 'opc-ua subscriptions planned');
    const subs: ClientSubscription[] = [];
    const left: OpcUaItem[] = [];
    let why = plan.left.length ? limitsText(limits) : '';
    let shared = 0;
    // A call the server refuses as too large (a limit it does not publish) is halved until it passes.
    const watchWithin = async (sub: ClientSubscription, call: OpcUaItem[], gen: number): Promise<void> => {
      if (gen !== generation) return;
      try {
        await watch(sub, call, gen);
      } catch (err) {
        if (!tooMany(err)) throw err;
        const half = Math.ceil(call.length / 2);
        if (call.length > 1 && /BadTooManyOperations/.test((err as Error).message)) {
          await watchWithin(sub, call.slice(0, half), gen);
          return watchWithin(sub, call.slice(half), gen);
        }
        why ||= (err as Error).message.trim();
        left.push(...call);
      }
    };
    for (const calls of plan.subscriptions) {
      if (gen !== generation) return;
      let sub: ClientSubscription | undefined;
      try {
        sub = await s.createSubscription2({
          requestedPublishingInterval: settings.publishing_interval_ms,
          requestedMaxKeepAliveCount: 20,
          requestedLifetimeCount: 120,
          maxNotificationsPerPublish: 0,
          publishingEnabled: true,
          priority: 10,
        });
        subs.push(sub);
      } catch (err) {
        // A server that refuses more than it publishes: its items share the subscriptions it did create.
        if (!tooMany(err) || !subs.length) throw err;
        if (!shared++)
          log.warn({ subscriptions: subs.length, err: (err as Error).message.trim() }, 'the server refused a subscription: the rest share those it made');
        sub = subs[shared % subs.length];
      }
      for (const call of calls) if (sub) await watchWithin(sub, call, gen);
    }
    leftOut([...left, ...plan.left], why);
    flush();
  };

  const schedule = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, delay);
    retry.unref?.();
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  };

  const drop = async () => {
    const c = client;
    client = null;
    session = null;
    if (c) await c.disconnect().catch(() => undefined);
  };

  /** One attempt: check the server's certificate, connect, open a session, monitor every tag. Retried with backoff until it succeeds. */
  const connect = async () => {
    const gen = ++generation;
    const pki = cm;
    if (stopped || !pki) return;
    try {
      if (secure) {
        const cert = await serverCertificate(pki, settings.endpoint, settings.security_mode);
        protectPrivateKey(pki);
        if (!(await isTrusted(pki, cert.der))) {
          if (waiting?.thumbprint !== cert.thumbprint) log.warn({ thumbprint: cert.thumbprint, subject: cert.subject }, 'untrusted OPC UA server certificate');
          waiting = cert;
          status.untrusted = { thumbprint: cert.thumbprint, subject: cert.subject };
          setState('down', `untrusted server certificate ${cert.thumbprint} (${cert.subject}): trust it to connect`);
          return schedule();
        }
        waiting = null;
        delete status.untrusted;
      }
      const c = OPCUAClient.create({
        applicationName: 'AegisFlow',
        clientCertificateManager: pki,
        securityMode,
        securityPolicy,
        endpointMustExist: false,
        keepSessionAlive: true,
        requestedSessionTimeout: 60_000,
        // Once connected, node-opcua reconnects for ever (transferring the session, or re-creating it with its subscription).
        connectionStrategy: { initialDelay: RETRY_MIN_MS, maxDelay: RETRY_MAX_MS, maxRetry: -1 },
      });
      client = c;
      c.on('connection_lost', () => gen === generation && setState('down', `lost the connection to ${settings.endpoint}; reconnecting`));
      c.on('backoff', (n: number) => gen === generation && setState('down', `no connection to ${settings.endpoint} (attempt ${n + 1})`));
      c.on('connection_reestablished', () => gen === generation && setState('connected'));
      await c.connect(settings.endpoint);
      protectPrivateKey(pki);
      if (stopped || gen !== generation) return;
      const s = await c.createSession(identity());
      session = s;
      s.on('session_restored', () => gen === generation && setState('connected'));
      await monitor(s, gen);
      if (gen !== generation) return;
      delay = RETRY_MIN_MS;
      setState('connected');
      log.info({ endpoint: settings.endpoint, security: settings.security_mode, tags: items.length }, 'opc-ua connector connected');
    } catch (err) {
      if (stopped || gen !== generation) return;
      status.errors++;
      setState('down', `${settings.endpoint}: ${(err as Error).message}`);
      await drop();
      schedule();
    }
  };

  return {
    id: settings.id,
    type: 'opc-ua',
    async start() {
      if (!ctx.dataDir) throw new Error(`connector ${settings.id}: the OPC UA connector needs the core's data dir for its certificates`);
      stopped = false;
      delay = RETRY_MIN_MS;
      const inClear = clearPasswordWarning(settings);
      if (inClear) log.warn({ connector: settings.id }, inClear);
      cm = await openPki(pkiDir(ctx.dataDir, settings.id));
      setState('connecting');
      // Never blocks the core's start: the status says whether the server is reachable.
      void connect();
    },
    async stop() {
      stopped = true;
      generation++;
      if (retry) clearTimeout(retry);
      retry = null;
      await drop();
      await cm?.dispose();
      cm = null;
      setState('disabled');
    },
    status: () => ({ ...status }),
    async command(deviceId, message, jti): Promise<DeviceReply> {
      const s = session;
      const vars = varsOf.get(deviceId);
      if (!s || !vars || status.state !== 'connected') return { status: 'no_ack', waitedMs: 0 };
      const { objectId, methodId } = commandNodes(settings, vars);
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const r = await Promise.race([
          s.call({ objectId, methodId, inputArguments: [{ dataType: DataType.String, value: JSON.stringify(message) }] }),
          new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), COMMAND_TIMEOUT_MS))),
        ]);
        if (!r) return { status: 'no_ack', waitedMs: Date.now() - started };
        if (!r.statusCode.isGood()) {
          log.warn({ jti, device: deviceId, method: methodId, status: r.statusCode.name }, 'the server refused the command method call');
          return { status: 'refused', code: 'method_call_failed', reason: `${methodId}: ${r.statusCode.name}` };
        }
        return replyOf(r.outputArguments?.[0]?.value);
      } catch (err) {
        log.warn({ jti, device: deviceId, err: (err as Error).message }, 'command method call failed');
        return { status: 'no_ack', waitedMs: Date.now() - started };
      } finally {
        clearTimeout(timer);
      }
    },
    async trust(thumbprint) {
      const cert = waiting;
      const pki = cm;
      if (!cert || !pki || cert.thumbprint !== thumbprint.toLowerCase()) return false;
      await pki.trustCertificate(cert.der);
      log.info(
        { thumbprint: cert.thumbprint, subject: cert.subject, trustList: path.join(pkiDir(ctx.dataDir ?? '', settings.id), 'trusted') },
        'trusted the OPC UA server certificate',
      );
      waiting = null;
      delete status.untrusted;
      setState('connecting', null);
      if (retry) clearTimeout(retry);
      retry = null;
      delay = RETRY_MIN_MS;
      void connect();
      return true;
    },
  };
}
