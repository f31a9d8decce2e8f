// Honest tool metadata (issue 20): every tool carries all four annotation hints and an icon, and nothing a
// client's auto-approval could misread: a tool that may wait for an operator is never readOnlyHint,
// whatever its spec says, and is marked as one that changes the world.
import type { Icon, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { GATED_TOOLS } from './tasks';
import type { ToolSpec } from './types';

const svg = (body: string): Icon => ({
  src: `data:image/svg+xml;base64,${Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2">${body}</svg>`).toString('base64')}`,
  mimeType: 'image/svg+xml',
  sizes: ['any'],
});

/** An eye (reads), a shield (gated: an operator approves), a pencil (writes only the agent's own records). */
const ICONS = {
  read: svg('<path d="M1 12s4-8 11-8 11 8 11 8-4 8-11 8S1 12 1 12z"/><circle cx="12" cy="12" r="3"/>'),
  gated: svg('<path d="M12 2l8 4v6c0 5-3.5 9-8 10-4.5-1-8-5-8-10V6z"/><path d="M9 12l2 2 4-4"/>'),
  write: svg('<path d="M12 20h9"/><path d="M16.5 3.5a2.1 2.1 0 013 3L7 19l-4 1 1-4z"/>'),
};

export function toolAnnotations(spec: ToolSpec): ToolAnnotations {
  const a = spec.annotations;
  const gated = GATED_TOOLS.has(spec.name);
  return {
    title: spec.title,
    readOnlyHint: gated ? false : (a.readOnlyHint ?? false),
    destructiveHint: a.destructiveHint ?? !a.readOnlyHint,
    idempotentHint: a.idempotentHint ?? false,
    openWorldHint: a.openWorldHint ?? false,
  };
}

export function toolIcons(name: string, annotations: ToolAnnotations): Icon[] {
  if (GATED_TOOLS.has(name)) return [ICONS.gated];
  return [annotations.readOnlyHint ? ICONS.read : ICONS.write];
}
