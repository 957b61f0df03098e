import type { Command } from 'commander';
import { doctorChecks } from '../doctor/doctor';
import { EXIT } from '../core/exit-codes';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description("check this host's prerequisites for real; one line each, with the fix")
    .option('--no-kvm-probe', 'skip the real KVM boot (20 s when KVM does not work)')
    .option('--json', 'print the checks as JSON')
    .action(async (f: { kvmProbe: boolean; json?: boolean }) => {
      const checks = await doctorChecks({ kvmProbe: f.kvmProbe });
      if (f.json) console.log(JSON.stringify(checks, null, 2));
      else
        for (const c of checks) {
          const mark = c.ok ? 'ok  ' : c.optional ? 'warn' : 'FAIL';
          console.log(`${mark} ${c.name.padEnd(12)} ${c.detail}${c.ok || !c.fix ? '' : ` — fix: ${c.fix}`}`);
        }
      process.exitCode = checks.some((c) => !c.ok && !c.optional) ? EXIT.infraError : EXIT.ok;
    });
}
