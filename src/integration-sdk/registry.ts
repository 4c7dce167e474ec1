import type { CommandCatalog } from '../playbook/catalog.js';
import type { CommandDefinition, IntegrationDefinition } from './define.js';

/** Finds commands by `uses` (`<integration>.<command>`). Integrations join without engine edits. */
export class Registry implements CommandCatalog {
  private readonly integrations = new Map<string, IntegrationDefinition>();
  private readonly commands = new Map<
    string,
    { integration: IntegrationDefinition; command: CommandDefinition }
  >();

  constructor(integrations: readonly IntegrationDefinition[] = []) {
    for (const integration of integrations) this.register(integration);
  }

  register(integration: IntegrationDefinition): void {
    if (this.integrations.has(integration.id)) {
      throw new Error(`integration '${integration.id}' is registered twice`);
    }
    this.integrations.set(integration.id, integration);
    for (const command of integration.commands) {
      this.commands.set(`${integration.id}.${command.name}`, { integration, command });
    }
  }

  resolve(
    uses: string,
  ): { integration: IntegrationDefinition; command: CommandDefinition } | undefined {
    return this.commands.get(uses);
  }

  inputSchema(uses: string): Record<string, unknown> | undefined {
    return this.commands.get(uses)?.command.input;
  }

  names(): string[] {
    return [...this.commands.keys()].sort();
  }

  list(): IntegrationDefinition[] {
    return [...this.integrations.values()];
  }
}
