import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../../shared/governance';
import { agentLabel } from './agents';

describe('agentLabel', () => {
  const agents = { 'agent-1679264c': { id: 'agent-1679264c', name: 'Night shift assistant' } as AgentView };
  it('names a known agent, keeps the id of an unknown one, a dash for none', () => {
    expect(agentLabel(agents, 'agent-1679264c')).toBe('Night shift assistant');
    expect(agentLabel(agents, 'agent-deadbeef')).toBe('agent-deadbeef');
    expect(agentLabel(agents, null)).toBe('—');
    expect(agentLabel(agents, undefined)).toBe('—');
  });
});
