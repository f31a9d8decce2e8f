// Seed tool: search the equipment manual (resources/device_manual.md) by section with BM25; hits cite the SOP.
import { z } from 'zod';
import { DEVICE_TYPES } from '../../../../shared/domain';
import { defineTool } from '../types';

export const queryDeviceManual = defineTool({
  name: 'query_device_manual',
  title: 'Device manual search',
  description:
    'Search the plant\'s equipment manual and SOPs (safe limits, the five failure modes, commands, approvals). Returns the best sections with their number to cite, e.g. "SOP 2.1 Thermal runaway (compressors)". ' +
    'Check it before proposing any device command.',
  input: z.object({
    query: z.string().min(2).max(500).describe('What to look up, e.g. "thermal runaway compressor" or "pump pressure drop"'),
    device_type: z.enum(DEVICE_TYPES).optional().describe('Favour sections about this device type'),
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
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run(args, { deps }) {
    const results = deps.manual.search(args.query, { limit: args.limit, deviceType: args.device_type, maxChars: 2500 });
    const text = results.length
      ? results.map((r) => `## ${r.citation}\n${r.text}`).join('\n\n')
      : `No manual section matches "${args.query}". Sections: ${deps.manual.sections.map((s) => `${s.number} ${s.title}`).join('; ')}`;
    return { structured: { query: args.query, results }, text };
  },
});
