import type { Command } from 'commander';
import { ALL_OF, DEFAULT_OF, LIBRARY } from '../../common/configs/library';
import { NamedConfig } from '../../common/configs/schema';
import { configDir, loadUserConfigs } from '../core/user-config';

// `fsto configs`: every named config -c accepts, built in and the user's, with what it sets.

function line(name: string, c: NamedConfig, source: string): string {
  const parts = [
    c.mkfsOptions ? `mkfs: ${c.mkfsOptions}` : '',
    c.mountOptions ? `mount: ${c.mountOptions}` : '',
    c.external.length ? `external: ${c.external.join('+')}` : '',
    c.profile ? `devices: ${c.profile}` : '',
    c.excludeGroups.length ? `-x ${c.excludeGroups.join(',')}` : '',
  ].filter(Boolean);
  return `${name.padEnd(26)} ${c.description}${parts.length ? `  (${parts.join('; ')})` : ''}${source === 'built-in' ? '' : `  [${source}]`}`;
}

export function registerConfigsCommand(program: Command): void {
  program
    .command('configs')
    .description('the named configs fsto run -c accepts: built in (after xfstests-bld) and yours')
    .option('--json', 'print JSON')
    .action(async (f: { json?: boolean }) => {
      const user = await loadUserConfigs();
      // Yours replace a built-in config of the same name.
      const byName = new Map<string, { name: string; config: NamedConfig; source: string }>();
      for (const [name, c] of Object.entries(LIBRARY))
        byName.set(name, { name, config: NamedConfig.parse(c), source: 'built-in' });
      for (const [name, u] of Object.entries(user))
        byName.set(name, { name, config: NamedConfig.parse(u.config), source: u.source });
      const all = [...byName.values()];
      if (f.json) return console.log(JSON.stringify(all, null, 2));
      console.log(all.map((c) => line(c.name, c.config, c.source)).join('\n'));
      console.log(
        `\n<fs>/default: ${Object.entries(DEFAULT_OF)
          .map(([fs, n]) => `${fs} → ${n}`)
          .join(', ')}; ` +
          `<fs>/all: ${Object.keys(ALL_OF)
            .map((fs) => `${fs} (${ALL_OF[fs]!.length})`)
            .join(', ')}\n` +
          `your own: ${configDir()}/configs/*.yaml, e.g.  xfs/mine: { fs: xfs, mkfsOptions: "-b size=2048", external: [log] }`,
      );
    });
}
