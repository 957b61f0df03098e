import { constants, type Dirent } from 'node:fs';
import { mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';

// File operations of the host (root) under a directory the guest writes: the results share. The
// guest makes real host symlinks, FIFOs and directories there (9p, security_model=none), at any
// moment, so every name is resolved one component at a time from a directory fd, with
// O_NOFOLLOW (openat2's RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, which node cannot call): the fd of
// each directory is reached through /proc/self/fd/N/<name>, a lookup of one name in that very
// directory, so no path is resolved twice and no link is followed, wherever it points.
// `..`, `.`, empty and absolute components are refused; a file must be a regular file.

const { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC, O_APPEND, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;
const DIR = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
// The root itself is the host's (the guest cannot replace the root of its share): followed as given.

/** A name under a guest-writable directory that is a link, not what it should be, or outside it. */
export class BeneathError extends Error {
  readonly code = 'EBENEATH';
}

const at = (dirFd: number, name: string) => `/proc/self/fd/${dirFd}/${name}`;

export class Beneath {
  constructor(readonly root: string) {}

  /** Components of `path` (absolute under root, or relative to it). */
  parts(path: string): string[] {
    const rel = isAbsolute(path) ? relative(this.root, path) : path;
    const parts = rel.split('/');
    if (isAbsolute(rel) || parts.some((p) => p === '' || p === '.' || p === '..'))
      throw new BeneathError(`${path}: not a path inside ${this.root}; refused`);
    return parts;
  }

  private refused(path: string, err: unknown, what: string): never {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENXIO')
      throw new BeneathError(
        `${path}: ${what} is a symbolic link or not what fsto made (a guest writes ${this.root}); not followed`,
      );
    throw err;
  }

  /** fn with an fd of the directory holding the last component (made on the way when mkdirs). */
  private async inParent<T>(path: string, fn: (dirFd: number, leaf: string) => Promise<T>, mkdirs = false) {
    const parts = this.parts(path);
    let dir = await open(this.root, O_RDONLY | O_DIRECTORY);
    try {
      for (const p of parts.slice(0, -1)) {
        if (mkdirs) await mkdir(at(dir.fd, p)).catch((e: NodeJS.ErrnoException) => ok(e, 'EEXIST'));
        const next = await open(at(dir.fd, p), DIR).catch((e: unknown) => this.refused(path, e, p));
        await dir.close();
        dir = next;
      }
      return await fn(dir.fd, parts.at(-1)!);
    } finally {
      await dir.close();
    }
  }

  /** Open a regular file without following a link; the caller closes it. */
  async open(path: string, flags: number, mode = 0o644): Promise<FileHandle> {
    return this.inParent(path, async (dirFd, leaf) => {
      // O_NONBLOCK: a FIFO planted in its place neither blocks the open nor is used.
      const fh = await open(at(dirFd, leaf), flags | O_NOFOLLOW | O_NONBLOCK, mode).catch((e: unknown) =>
        this.refused(path, e, leaf),
      );
      if (!(await fh.stat()).isFile()) {
        await fh.close();
        throw new BeneathError(`${path}: not a regular file (a guest writes ${this.root}); not used`);
      }
      return fh;
    });
  }

  async readFile(path: string): Promise<Buffer> {
    return withFile(await this.open(path, O_RDONLY), (fh) => fh.readFile());
  }

  async readText(path: string): Promise<string> {
    return (await this.readFile(path)).toString('utf8');
  }

  async writeFile(path: string, data: string | Buffer): Promise<void> {
    await withFile(await this.open(path, O_WRONLY | O_CREAT | O_TRUNC), (fh) => fh.writeFile(data));
  }

  async appendFile(path: string, data: string | Buffer): Promise<void> {
    await withFile(await this.open(path, O_WRONLY | O_CREAT | O_APPEND), (fh) => fh.writeFile(data));
  }

  /** Remove a name (a link planted there goes, never what it points to); absent is fine. */
  async rm(path: string): Promise<void> {
    await this.inParent(path, (dirFd, leaf) =>
      unlink(at(dirFd, leaf)).catch((e: NodeJS.ErrnoException) => ok(e, 'ENOENT')),
    ).catch((e: NodeJS.ErrnoException) => ok(e, 'ENOENT'));
  }

  /** mkdir -p, refusing a link on the way or in its place. */
  async mkdirp(path: string): Promise<void> {
    await this.inParent(
      path,
      async (dirFd, leaf) => {
        await mkdir(at(dirFd, leaf)).catch((e: NodeJS.ErrnoException) => ok(e, 'EEXIST'));
        const fh = await open(at(dirFd, leaf), DIR).catch((e: unknown) => this.refused(path, e, leaf));
        await fh.close();
      },
      true,
    );
  }

  /** Entries of a directory (the root when path is the root); types as lstat sees them. */
  async readdir(path: string): Promise<Dirent[]> {
    if (path === this.root) return readdir(this.root, { withFileTypes: true });
    return this.inParent(path, async (dirFd, leaf) => {
      const fh = await open(at(dirFd, leaf), DIR).catch((e: unknown) => this.refused(path, e, leaf));
      try {
        return await readdir(`/proc/self/fd/${fh.fd}`, { withFileTypes: true });
      } finally {
        await fh.close();
      }
    });
  }
}

function ok(e: NodeJS.ErrnoException, code: string): void {
  if (e.code !== code) throw e;
}

async function withFile<T>(fh: FileHandle, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
  try {
    return await fn(fh);
  } finally {
    await fh.close();
  }
}
