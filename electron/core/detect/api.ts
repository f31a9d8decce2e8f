// Core API handlers for anomalies and alarms. Every params object is validated with zod here, at
// the boundary; the services below trust their inputs.
import { z } from 'zod';
import {
  AckParamsSchema,
  HistoryParamsSchema,
  ListAlarmsParamsSchema,
  OutOfServiceParamsSchema,
  ShelveParamsSchema,
  UnshelveParamsSchema,
  type AlarmSystem,
} from '../alarms';
import { CoreError, operatorOf, type CoreApi } from '../api';
import type { Caller } from '../../../shared/operators';
import { AckEpisodeParamsSchema, EpisodeQuerySchema } from './schema';
import type { DetectionService } from './service';

/** The params with `who` set to the authenticated operator (a name in the params is never trusted). */
const as = (caller: Caller, params: unknown) => ({ ...(params && typeof params === 'object' ? params : {}), who: operatorOf(caller).name });

function parse<S extends z.ZodType>(schema: S, params: unknown): z.infer<S> {
  const r = schema.safeParse(params ?? {});
  if (!r.success) throw new CoreError('invalid_params', r.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; '));
  return r.data;
}

export function registerDetectionApi(api: CoreApi, deps: { detection: DetectionService; alarms: AlarmSystem }): void {
  const { detection, alarms } = deps;
  api.register('anomalies.active', () => detection.active());
  api.register('anomalies.list', (p) => detection.history(parse(EpisodeQuerySchema, p)));
  api.register('anomalies.acknowledge', (p, c) => {
    const q = parse(AckEpisodeParamsSchema, as(c, p));
    return detection.acknowledge(q.id, q.who, q.note);
  });
  api.register('alarms.list', (p) => alarms.list(parse(ListAlarmsParamsSchema, p)));
  api.register('alarms.acknowledge', (p, c) => {
    const q = parse(AckParamsSchema, as(c, p));
    return alarms.acknowledge(q.id, q.who, q.note);
  });
  api.register('alarms.shelve', (p, c) => {
    const q = parse(ShelveParamsSchema, as(c, p));
    return alarms.shelve(q.id, q.who, q.reason, q.minutes !== undefined ? q.minutes * 60_000 : undefined);
  });
  api.register('alarms.unshelve', (p, c) => {
    const q = parse(UnshelveParamsSchema, as(c, p));
    return alarms.unshelve(q.id, q.who, q.reason);
  });
  api.register('alarms.outOfService', (p, c) => {
    const q = parse(OutOfServiceParamsSchema, as(c, p));
    return alarms.setOutOfService(q.id, q.who, q.reason, q.out_of_service);
  });
  api.register('alarms.history', (p) => alarms.history(parse(HistoryParamsSchema, p)));
  api.register('alarms.stats', () => ({ ...alarms.stats(), flood: alarms.floodStatus() }));
}
