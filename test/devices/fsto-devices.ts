import { Command } from 'commander';
import { registerDevicesCommand } from '../../client/commands/devices';

// `fsto devices …` as client/main.ts registers it, without the rest of the CLI (plan.test.ts):
//   npx tsx test/devices/fsto-devices.ts devices plan --profile fstests_small
const program = new Command('fsto').showHelpAfterError();
registerDevicesCommand(program);
await program.parseAsync(process.argv);
