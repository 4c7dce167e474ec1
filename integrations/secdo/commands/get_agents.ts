import { Type, type Static } from '@sinclair/typebox';
import { defineCommand } from '../../../src/integration-sdk/index.js';
import { runCommand, secdoAccount, unexpectedShape } from '../client.js';
import { ArgumentChecker } from '../fields.js';

const Agent = Type.Object({
  agentId: Type.String(),
  hostName: Type.String(),
  interfaces: Type.Array(Type.String(), { description: "The host's IP addresses." }),
  agentState: Type.String(),
});
type Agent = Static<typeof Agent>;

export const getAgents = defineCommand({
  name: 'get_agents',
  title: 'List SECDO agents',
  description:
    'Lists the SECDO agents of the company (command API get_agents), optionally only those ' +
    'whose host name (case-insensitive), IP address or agent id is `host`.',
  input: Type.Object(
    {
      host: Type.Optional(
        Type.String({ minLength: 1, description: 'Host name, IP address or agent id.' }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ agents: Type.Array(Agent), count: Type.Integer() }),
  run: async (ctx, input) => {
    const host = new ArgumentChecker('secdo.get_agents', input).optionalText('host');
    const agents = await listAgents(ctx);
    const matching = host === undefined ? agents : agents.filter((a) => agentMatches(a, host));
    return { agents: matching, count: matching.length };
  },
});

/** get_agents, its answer checked against the shape `{agents: [...]}`. */
export async function listAgents(ctx: Parameters<typeof runCommand>[0]): Promise<Agent[]> {
  const body = await runCommand<unknown>(ctx, 'get_agents');
  const list = (body as { agents?: unknown } | null)?.agents;
  if (!Array.isArray(list)) unexpectedShape('get_agents', body, secdoAccount(ctx).apikey);
  return list.map((raw: unknown) => {
    const agent = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    return {
      agentId: scalar(agent.agentId),
      hostName: scalar(agent.hostName),
      interfaces: Array.isArray(agent.interfaces) ? agent.interfaces.map(scalar) : [],
      agentState: scalar(agent.agentState),
    };
  });
}

function agentMatches(agent: Agent, host: string): boolean {
  return (
    agent.hostName.toLowerCase() === host.toLowerCase() ||
    agent.agentId === host ||
    agent.interfaces.includes(host)
  );
}

function scalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}
