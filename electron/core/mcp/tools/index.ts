// Every tool of the governed MCP server, one per file. The nine seed tools keep the seed's names exactly.
import type { ToolSpec } from '../types';
import { acknowledgeAnomaly } from './acknowledge_anomaly';
import { executeDeviceCommand } from './execute_device_command';
import { getActiveAnomalies } from './get_active_anomalies';
import { getAnomalyHistory } from './get_anomaly_history';
import { getApprovalStatus } from './get_approval_status';
import { getDeviceStatus } from './get_device_status';
import { getIncidentReports } from './get_incident_reports';
import { getSensorStream } from './get_sensor_stream';
import { listDevices } from './list_devices';
import { logIncidentReport } from './log_incident_report';
import { proposePlan } from './propose_plan';
import { queryDeviceManual } from './query_device_manual';

export { SEED_TOOLS } from '../../../../shared/mcp';

export const ALL_TOOLS: readonly ToolSpec[] = [
  getSensorStream,
  getDeviceStatus,
  getActiveAnomalies,
  getAnomalyHistory,
  queryDeviceManual,
  getIncidentReports,
  executeDeviceCommand,
  acknowledgeAnomaly,
  logIncidentReport,
  proposePlan,
  getApprovalStatus,
  listDevices,
];

export const TOOL_REGISTRY: ReadonlyMap<string, ToolSpec> = new Map(ALL_TOOLS.map((t) => [t.name, t]));
