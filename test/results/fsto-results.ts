import { Command } from 'commander';
import { registerResultsQueryCommands } from '../../client/commands/results-query';

// The results commands as client/main.ts wires them, without the rest of the CLI (the test
// needs no Temporal connection: these commands read only the results store).
const program = new Command('fsto').exitOverride();
registerResultsQueryCommands(program);
await program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`fsto: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 3;
});
