import { Command } from 'commander';
import { registerScheduleCommand } from '../../client/commands/schedule';

/**
 * `fsto schedule ARGS… --address ADDRESS` through the CLI's own command module, in this process;
 * resolves to the exit code it set (0 when none).
 */
export async function fstoSchedule(address: string, ...args: string[]): Promise<number> {
  process.exitCode = undefined;
  const program = new Command('fsto').exitOverride();
  registerScheduleCommand(program);
  await program.parseAsync(['node', 'fsto', 'schedule', ...args, '--address', address]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return code;
}
