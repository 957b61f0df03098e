import { Command } from 'commander';
import { registerConfigsCommand } from './commands/configs';
import { registerDevicesCommand } from './commands/devices';
import { registerDoctorCommand } from './commands/doctor';
import { registerMatrixCommand } from './commands/matrix';
import { registerResultsQueryCommands } from './commands/results-query';
import { registerRunCommand } from './commands/run';
import { registerRunsCommands } from './commands/runs';
import { registerScheduleCommand } from './commands/schedule';
import { registerServerCommand } from './commands/server';
import { registerShellCommand } from './commands/shell';
import { registerVmCommand } from './commands/vm';
import { registerWorkerCommand } from './commands/worker';

const program = new Command('fsto')
  .description('fstests orchestrator: fstests in throwaway VMs, on Temporal')
  .showHelpAfterError();

registerRunCommand(program);
registerConfigsCommand(program);
registerShellCommand(program);
registerRunsCommands(program);
registerWorkerCommand(program);
registerServerCommand(program);
registerDevicesCommand(program);
registerVmCommand(program);
registerResultsQueryCommands(program);
registerMatrixCommand(program);
registerScheduleCommand(program);
registerDoctorCommand(program);

await program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`fsto: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 3;
});
