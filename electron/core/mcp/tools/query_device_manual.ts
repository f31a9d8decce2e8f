// Seed tool: search the device manuals by section with BM25; hits cite the SOP. Each asset type of the
// plant model may name its manual (`manual`, relative to the model file); the plant's
// resources/device_manual.md answers for the rest.
import { z } from 'zod';
import { ToolFailure, defineTool } from '../types';
import { assetOf } from './common';

export const queryDeviceManual = defineTool({
  name: 'query_device_manual',
  title: 'Device manual search',
  description:
    'Search the plant\'s equipment manuals and SOPs (safe limits, failure modes, commands, approvals). Returns the best sections with their number to cite, e.g. "SOP 2.1 Thermal runaway (compressors)". ' +
    "Give device_type or device_id to search that type's manual. Check it before proposing any device command.",
  input: z.object({
    query: z.string().min(2).max(500).describe('What to look up, e.g. "thermal runaway compressor" or "pump pressure drop"'),
    device_type: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe(
        'Search the manual of this asset type and favour sections about it (e.g. compressor, motor, pump on the demo plant; list_devices gives the types)',
      ),
    device_id: z.string().min(3).max(128).optional().describe("Search this device's manual (its asset type's)"),
    limit: z.number().int().min(1).max(5).default(3).describe('Sections to return'),
  }),
  output: z.object({
    query: z.string(),
    results: z.array(
      z.object({
        section: z.string().describe('Section number, e.g. "2.1"'),
        title: z.string(),
        citation: z.string().describe('How to cite it'),
        score: z.number().describe('BM25 relevance'),
        text: z.string(),
        truncated: z.boolean(),
        manual: z.string().optional().describe('The manual file the section is from'),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run(args, { deps }) {
    const types = [...new Set(deps.model().model.assets.map((a) => a.type))];
    if (args.device_type && !types.includes(args.device_type))
      throw new ToolFailure(`unknown device type "${args.device_type}". Device types of this plant: ${types.join(', ')}`, 'invalid_args');
    let deviceType = args.device_type;
    if (args.device_id) {
      const asset = assetOf(deps, args.device_id);
      if (!asset) throw new ToolFailure(`unknown device "${args.device_id}". Known devices: ${deps.knownDevices().join(', ')}`, 'unknown_device');
      deviceType ??= asset.type;
    }
    const opts = { limit: args.limit, deviceType, maxChars: 2500 };
    const results = deps.manuals ? deps.manuals.search(args.query, opts) : deps.manual.search(args.query, opts);
    const sections = deps.manuals ? (deviceType ? [deps.manuals.forType(deviceType)] : deps.manuals.all().map((m) => m.index)) : [deps.manual];
    const text = results.length
      ? results.map((r) => `## ${r.citation}\n${r.text}`).join('\n\n')
      : `No manual section matches "${args.query}". Sections: ${sections
          .flatMap((m) => m.sections)
          .map((s) => `${s.number} ${s.title}`)
          .join('; ')}`;
    return { structured: { query: args.query, results }, text };
  },
});
