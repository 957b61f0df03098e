import { Command } from 'commander';
import { registerDevicesCommand } from '../../client/commands/devices';

// `fsto devices …` on its own, until the lead wires registerDevicesCommand into client/main.ts:
//   npx tsx test/devices/fsto-devices.ts devices plan --profile fstests_small
const program = new Command('fsto').showHelpAfterError();
registerDevicesCommand(program);
await program.parseAsync(process.argv);
