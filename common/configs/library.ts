import type { NamedConfigInput } from './schema';

// The built-in configs, after xfstests-bld's (test-appliance/files/root/fs/<fs>/cfg/): the same
// names and options where this host's mkfs can make them (Debian bookworm: xfsprogs 6.1,
// e2fsprogs 1.47). Left out: the dax configs (they need pmem devices) and ext4 encrypt (it needs
// a key in the session keyring). ext4 mounts with block_validity as xfstests-bld's do.

const QUOTA = '-o usrquota,grpquota,prjquota';
const AVOID_COLLAPSE = {
  vars: {
    FSX_AVOID: '-C -I',
    FSSTRESS_AVOID: '-f collapse=0 -f insert=0',
    XFS_IO_AVOID: 'fcollapse finsert',
  },
  excludeGroups: ['collapse', 'insert'],
};
const ext4 = (mount?: string) => `-o block_validity${mount ? `,${mount}` : ''}`;

export const LIBRARY: Record<string, NamedConfigInput> = {
  'xfs/4k': { fs: 'xfs', description: 'XFS 4k block', mkfsOptions: '-b size=4096' },
  'xfs/1k': { fs: 'xfs', description: 'XFS 1k block', mkfsOptions: '-b size=1024' },
  'xfs/v4': {
    fs: 'xfs',
    description: 'XFS v4 (crc=0)',
    mkfsOptions: '-m crc=0,finobt=0,rmapbt=0,reflink=0,inobtcount=0,bigtime=0 -i sparse=0',
  },
  'xfs/adv': {
    fs: 'xfs',
    description: 'XFS advanced features (inobtcount, bigtime, rmapbt)',
    mkfsOptions: '-m inobtcount=1,bigtime=1,rmapbt=1',
  },
  'xfs/quota': { fs: 'xfs', description: 'XFS defaults plus quota', mountOptions: QUOTA },
  'xfs/quota_1k': {
    fs: 'xfs',
    description: 'XFS 1k block plus quota',
    mkfsOptions: '-b size=1024',
    mountOptions: QUOTA,
  },
  'xfs/dirblock_8k': {
    fs: 'xfs',
    description: 'XFS with 8K directory blocks',
    mkfsOptions: '-n size=8192',
    mountOptions: QUOTA,
  },
  'xfs/realtime': {
    fs: 'xfs',
    description: 'XFS realtime',
    mkfsOptions: '-d rtinherit=1 -m reflink=0,rmapbt=0',
    external: ['rt'],
  },
  'xfs/realtime_28k_logdev': {
    fs: 'xfs',
    description: 'XFS realtime with external log and 28K extents',
    mkfsOptions: '-d rtinherit=1 -m reflink=0,rmapbt=0 -r extsize=28k',
    external: ['log', 'rt'],
  },
  'xfs/realtime_logdev': {
    fs: 'xfs',
    description: 'XFS realtime with external log',
    mkfsOptions: '-d rtinherit=1 -m reflink=0,rmapbt=0',
    external: ['log', 'rt'],
  },
  'xfs/logdev': { fs: 'xfs', description: 'XFS with external log', mountOptions: QUOTA, external: ['log'] },

  'ext4/4k': { fs: 'ext4', description: 'ext4 4k block', mkfsOptions: '-b 4096', mountOptions: ext4() },
  'ext4/1k': { fs: 'ext4', description: 'ext4 1k block', mkfsOptions: '-b 1024', mountOptions: ext4() },
  'ext4/ext3': {
    fs: 'ext4',
    description: 'ext4 4k block emulating ext3',
    mkfsOptions:
      '-O ^extents,^flex_bg,^uninit_bg,^64bit,^metadata_csum,^huge_file,^dir_nlink,^extra_isize,^orphan_file',
    mountOptions: ext4('nodelalloc'),
  },
  'ext4/nojournal': {
    fs: 'ext4',
    description: 'ext4 4k block without a journal',
    mkfsOptions: '-b 4096 -O ^has_journal',
    mountOptions: ext4(),
  },
  'ext4/ext3conv': {
    fs: 'ext4',
    description: 'ext4 4k block with nodelalloc and no flex_bg',
    mkfsOptions: '-O ^flex_bg',
    mountOptions: ext4('nodelalloc'),
  },
  'ext4/adv': {
    fs: 'ext4',
    description: 'ext4 advanced features (inline_data, fast_commit)',
    mkfsOptions: '-O inline_data,fast_commit',
    mountOptions: ext4(),
  },
  'ext4/dioread_nolock': {
    fs: 'ext4',
    description: 'ext4 4k block with dioread_nolock',
    mkfsOptions: '-b 4096',
    mountOptions: ext4('dioread_nolock'),
  },
  'ext4/data_journal': {
    fs: 'ext4',
    description: 'ext4 4k block with data=journal',
    mkfsOptions: '-b 4096',
    mountOptions: ext4('data=journal'),
  },
  'ext4/bigalloc_4k': {
    fs: 'ext4',
    description: 'ext4 4k block with bigalloc',
    mkfsOptions: '-b 4096 -O bigalloc',
    mountOptions: ext4(),
    profile: 'fstests_large',
    ...AVOID_COLLAPSE,
  },
  'ext4/bigalloc_1k': {
    fs: 'ext4',
    description: 'ext4 1k block with bigalloc',
    mkfsOptions: '-b 1024 -O bigalloc',
    mountOptions: ext4(),
    ...AVOID_COLLAPSE,
  },
  'ext4/inline': {
    fs: 'ext4',
    description: 'ext4 4k block with inline data',
    mkfsOptions: '-I 256 -O inline_data,metadata_csum,64bit',
    mountOptions: ext4(),
  },
  'ext4/quota': {
    fs: 'ext4',
    description: 'ext4 with the quota feature',
    mkfsOptions: '-O quota,project',
    mountOptions: ext4(),
  },
  'ext4/logdev': {
    fs: 'ext4',
    description: 'ext4 4k block with an external journal',
    mkfsOptions: '-b 4096',
    mountOptions: ext4(),
    external: ['log'],
  },

  'btrfs/default': { fs: 'btrfs', description: 'btrfs' },
  'btrfs/4k': { fs: 'btrfs', description: 'btrfs 4k sector and node size', mkfsOptions: '-s 4096 -n 4096' },
};

/** `<fs>/default` is this config, as in xfstests-bld (test_name_alias). */
export const DEFAULT_OF: Record<string, string> = { xfs: 'xfs/4k', ext4: 'ext4/4k', btrfs: 'btrfs/default' };

/** `<fs>/all`: xfstests-bld's cfg/all.list, less what the library leaves out. */
export const ALL_OF: Record<string, string[]> = {
  xfs: [
    'xfs/4k', 'xfs/1k', 'xfs/v4', 'xfs/adv', 'xfs/quota', 'xfs/quota_1k', 'xfs/dirblock_8k',
    'xfs/realtime', 'xfs/realtime_28k_logdev', 'xfs/realtime_logdev', 'xfs/logdev',
  ],
  ext4: [
    'ext4/4k', 'ext4/1k', 'ext4/ext3', 'ext4/nojournal', 'ext4/ext3conv', 'ext4/adv',
    'ext4/dioread_nolock', 'ext4/data_journal', 'ext4/bigalloc_4k', 'ext4/bigalloc_1k',
  ],
  btrfs: ['btrfs/default'],
}; // prettier-ignore
