import { Command } from 'commander';

// Each command's module is loaded only when that command runs (the worker side alone — native
// core, webpack — costs a second of CPU): `fsto run` starts faster. Help and unknown words load all.

type Registrar = (program: Command) => void;
const MODULES: Record<string, () => Promise<Registrar>> = {
  run: async () => (await import('./commands/run')).registerRunCommand,
  configs: async () => (await import('./commands/configs')).registerConfigsCommand,
  shell: async () => (await import('./commands/shell')).registerShellCommand,
  up: async () => (await import('./commands/up')).registerUpCommands,
  watch: async () => (await import('./commands/runs')).registerRunsCommands,
  worker: async () => (await import('./commands/worker')).registerWorkerCommand,
  server: async () => (await import('./commands/server')).registerServerCommand,
  devices: async () => (await import('./commands/devices')).registerDevicesCommand,
  vm: async () => (await import('./commands/vm')).registerVmCommand,
  runs: async () => (await import('./commands/results-query')).registerResultsQueryCommands,
  matrix: async () => (await import('./commands/matrix')).registerMatrixCommand,
  schedule: async () => (await import('./commands/schedule')).registerScheduleCommand,
  doctor: async () => (await import('./commands/doctor')).registerDoctorCommand,
  bisect: async () => (await import('./commands/bisect')).registerBisectCommand,
};
/** Commands registered by another command's module. */
const ALIASES: Record<string, string> = {
  down: 'up',
  results: 'watch',
  cancel: 'watch',
  history: 'runs',
  compare: 'runs',
  report: 'runs',
  junit: 'runs',
};

const program = new Command('fsto')
  .description('fstests orchestrator: fstests in throwaway VMs, on Temporal')
  .showHelpAfterError();

const word = process.argv[2] ?? '';
const only = MODULES[ALIASES[word] ?? word];
for (const load of only ? [only] : Object.values(MODULES)) (await load())(program);

await program.parseAsync(process.argv).catch(async (err: unknown) => {
  console.error(`fsto: ${err instanceof Error ? err.message : String(err)}`);
  // Its kind decides, as for a run (a refusal of the host library is bad input: 2); anything
  // unnamed is an infrastructure error (3). Loaded only now: this is off the start-up path.
  const [{ failureKind }, { exitCodeForFailure }] = await Promise.all([
    import('../common/errors'),
    import('./core/exit-codes'),
  ]);
  process.exitCode = exitCodeForFailure(failureKind(err));
});
