// Starts the emulator: all IBM service modules, the admin API and event subscriptions on one origin.
import { adminRoutes } from './admin.ts';
import type { RouteModule } from './core/context.ts';
import type { EmulatorService } from './core/errors.ts';
import { type RouteRow, routeTable } from './core/route-table.ts';
import { TokenIssuer } from './core/tokens.ts';
import { Emulator, type EmulatorOptions } from './emulator.ts';
import { type EventsHandle, installEvents } from './events/index.ts';
import { type GenerateOptions, generateState } from './scenario/generate.ts';
import { loadScenario, loadScenarioObject, readScenarioFile } from './scenario/load.ts';
import { builtinScenarioPath } from './scenarios/index.ts';
import { accessGroupsRoutes } from './services/access-groups.ts';
import { atrackerRoutes } from './services/atracker.ts';
import { caseManagementRoutes } from './services/case-management.ts';
import { codeEngineRoutes } from './services/code-engine.ts';
import { eventNotificationsRoutes } from './services/event-notifications.ts';
import { iamIdentityRoutes } from './services/iam-identity.ts';
import { iamPolicyRoutes } from './services/iam-policy.ts';
import { serviceIdRoutes } from './services/iam-serviceids.ts';
import { iamTokenRoutes } from './services/iam-token.ts';
import { instanceIdentityRoutes } from './services/instance-identity.ts';
import { jiraRoutes } from './services/jira.ts';
import { servicenowRoutes } from './services/servicenow.ts';
import { taggingRoutes } from './services/tagging.ts';
import { vpcRoutes } from './services/vpc.ts';

const SERVICE_MODULES = {
  vpc: vpcRoutes,
  'iam-identity': (add) => {
    iamIdentityRoutes(add);
    serviceIdRoutes(add);
  },
  'iam-policy': iamPolicyRoutes,
  'iam-groups': accessGroupsRoutes,
  tagging: taggingRoutes,
  'case-management': caseManagementRoutes,
  servicenow: servicenowRoutes,
  'event-notifications': eventNotificationsRoutes,
  jira: jiraRoutes,
  atracker: atrackerRoutes,
  'code-engine': codeEngineRoutes,
} satisfies Record<Exclude<EmulatorService, 'admin' | 'iam-token' | 'metadata'>, RouteModule>;

/** Every IBM route the emulator serves (not its admin API), with the roles it needs: core/route-table.ts. */
const emulatorRouteTable = (): RouteRow[] =>
  routeTable([
    iamTokenRoutes(new TokenIssuer()),
    instanceIdentityRoutes(new TokenIssuer()),
    ...Object.values(SERVICE_MODULES),
  ]);

type ScenarioSource =
  | { kind: 'text'; text: string; file: string }
  | { kind: 'object'; doc: unknown }
  | { kind: 'generate'; options: GenerateOptions };

interface StartOptions extends EmulatorOptions {
  port?: number;
  /** A scenario file path; default: the built-in demo scenario. */
  scenarioFile?: string;
  /** Scenario text (YAML or JSON); wins over scenarioFile. */
  scenarioText?: string;
  /** Scenario as an object; wins over both. */
  scenario?: unknown;
  /** A generated large account (emulator/scenario/generate.ts); wins over all the others. */
  generate?: GenerateOptions;
}

interface RunningEmulator {
  url: string;
  emulator: Emulator;
  events: EventsHandle;
  /** Replaces the world with another scenario (journal and faults are kept). */
  load(source: { text: string; file?: string } | { doc: unknown } | { generate: GenerateOptions }): void;
  /** Back to the current scenario's initial state; clears faults and the journal. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const startEmulator = async (options: StartOptions = {}): Promise<RunningEmulator> => {
  const emu = new Emulator(options);
  let source: ScenarioSource;
  if (options.generate !== undefined) source = { kind: 'generate', options: options.generate };
  else if (options.scenario !== undefined) source = { kind: 'object', doc: options.scenario };
  else if (options.scenarioText !== undefined)
    source = { kind: 'text', text: options.scenarioText, file: '<scenario>' };
  else {
    const file = options.scenarioFile ?? builtinScenarioPath('demo');
    source = { kind: 'text', text: readScenarioFile(file), file };
  }
  // Builds first, swaps after: a bad document leaves the running world untouched.
  const build = (src: ScenarioSource) => {
    switch (src.kind) {
      case 'text':
        return loadScenario(src.text, src.file);
      case 'object':
        return loadScenarioObject(src.doc);
      case 'generate':
        return generateState(src.options);
    }
  };
  const apply = (): void => {
    emu.state = build(source);
  };
  apply();

  const events = installEvents(emu);
  const hooks = {
    reload: apply,
    loadText: (text: string, file: string) => {
      const next: ScenarioSource = { kind: 'text', text, file };
      emu.state = build(next);
      source = next;
    },
    /** `text` (the JSON it came from) only locates errors; it is not kept. */
    loadObject: (doc: unknown, text?: string, file = '<scenario>') => {
      emu.state = loadScenarioObject(doc, file, text);
      source = { kind: 'object', doc };
    },
    loadGenerated: (generate: GenerateOptions) => {
      const next: ScenarioSource = { kind: 'generate', options: generate };
      emu.state = build(next);
      source = next;
    },
  };
  emu
    .use(iamTokenRoutes(emu.tokens))
    .use(instanceIdentityRoutes(emu.tokens))
    .use(adminRoutes(emu, hooks))
    .use(events.routes);
  for (const module of Object.values(SERVICE_MODULES)) emu.use(module);
  const url = await emu.listen(options.port ?? 0);

  return {
    url,
    emulator: emu,
    events,
    load: (src) => {
      if ('generate' in src) hooks.loadGenerated(src.generate);
      else if ('doc' in src) hooks.loadObject(src.doc);
      else hooks.loadText(src.text, src.file ?? '<scenario>');
    },
    reset: async () => {
      await events.flush();
      apply();
      emu.faults.clear();
      emu.journal.clear();
    },
    close: async () => {
      await events.close();
      await emu.close();
    },
  };
};

export type { RunningEmulator, StartOptions };
export { emulatorRouteTable, startEmulator };
