// The core's records the trend markers need beyond the slices: device commands (audit rows of
// execute_device_command), incident reports, and the operator annotations of the charted devices.
// Reloaded when the link comes back, when the devices change, and (throttled) when the audit records a
// command's outcome or an agent files a report; a new annotation arrives by its event on every console at once.
import { useEffect, useState } from 'react';
import type { IncidentView } from '../../../../shared/contract';
import type { AuditRowView } from '../../../../shared/governance';
import { unwrap } from '../../api/client';
import { useServices } from '../../context';
import { useAnnotations } from '../../store/annotations';
import { useConnection } from '../../store/connection';
import { throttle } from '../../sync';
import { COMMAND_KINDS } from './markers';

export function useTrendRecords(devices: readonly string[]): { commands: AuditRowView[]; incidents: IncidentView[] } {
  const { client } = useServices();
  const linkOpen = useConnection((s) => s.state === 'open');
  const [commands, setCommands] = useState<AuditRowView[]>([]);
  const [incidents, setIncidents] = useState<IncidentView[]>([]);
  const key = devices.join('|');

  useEffect(() => {
    if (!linkOpen || devices.length === 0) return;
    let live = true;
    const loadCommands = throttle(() => {
      // One query per outcome: a busy audit's newest rows of the tool are mostly requests and approvals.
      void Promise.all(Object.keys(COMMAND_KINDS).map((kind) => unwrap(client.api.auditQuery({ tool: 'execute_device_command', kind, limit: 300 })))).then(
        (pages) => live && setCommands(pages.flat()),
        () => {},
      );
    }, 1000);
    const loadIncidents = throttle(() => {
      void unwrap(client.api.incidentsList({ limit: 200 })).then(
        (r) => live && setIncidents(r.items.filter((i) => devices.includes(i.device_id))),
        () => {},
      );
    }, 1000);
    void unwrap(client.api.annotationsList({ deviceIds: [...devices], limit: 1000 })).then(
      (list) => live && useAnnotations.getState().merge(list),
      () => {},
    );
    loadCommands();
    loadIncidents();
    const offs = [
      client.api.onAuditAppended((r) => r.kind in COMMAND_KINDS && loadCommands()),
      client.api.onMcpCall((c) => c.tool === 'log_incident_report' && loadIncidents()),
      client.api.onAnnotationAdded((a) => useAnnotations.getState().added(a)),
    ];
    return () => {
      live = false;
      offs.forEach((off) => off());
      loadCommands.cancel();
      loadIncidents.cancel();
    };
  }, [client, key, linkOpen]); // eslint-disable-line react-hooks/exhaustive-deps

  return { commands, incidents };
}
