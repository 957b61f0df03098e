import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunOwner, type RunOwner } from './owner';

// The on-host record of every resource a run holds. An entry is written (and fsynced) BEFORE
// the resource is created and removed only AFTER it is released, so a crash at any point
// leaves enough behind for the reaper to finish the job.

// A `slot` is one of the host's VM slots, held by a run from its claim until its release.
export type ResourceKind = 'backing-file' | 'tmpfs' | 'loop' | 'vm' | 'slot';

/** Beside a run's entries: which server and namespace own the run (not an entry: never released). */
const OWNER_FILE = 'owner';
/** Beside a run's entries: its workflow id, when that is not the run key (hostKeyOf). */
const WORKFLOW_FILE = 'workflow-id';

export interface LedgerEntry {
  /** File name inside the run's ledger dir; sorts in creation order. */
  id: string;
  runKey: string;
  kind: ResourceKind;
  createdAt: string;
  data: Record<string, unknown>;
}

export class Ledger {
  private seq = 0;
  constructor(readonly root: string) {}

  private runDir(runKey: string): string {
    return join(this.root, runKey);
  }

  /** Record a resource about to be created. */
  async record(runKey: string, kind: ResourceKind, data: Record<string, unknown>): Promise<LedgerEntry> {
    const stamp = `${Date.now().toString().padStart(15, '0')}-${String(this.seq++).padStart(6, '0')}`;
    const entry: LedgerEntry = {
      id: `${stamp}-${kind}-${randomBytes(3).toString('hex')}.json`,
      runKey,
      kind,
      createdAt: new Date().toISOString(),
      data,
    };
    await this.write(entry);
    return entry;
  }

  /** Add what is learnt after creation (e.g. which loop device the kernel handed out). */
  async update(entry: LedgerEntry, data: Record<string, unknown>): Promise<LedgerEntry> {
    const next = { ...entry, data: { ...entry.data, ...data } };
    await this.write(next);
    return next;
  }

  /** Forget a resource once it is released. Idempotent. */
  async remove(entry: LedgerEntry): Promise<void> {
    await rm(join(this.runDir(entry.runKey), entry.id), { force: true });
  }

  /** Entries of one run, oldest first. */
  async list(runKey: string): Promise<LedgerEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.runDir(runKey))).filter((n) => n.endsWith('.json')).sort();
    } catch {
      return [];
    }
    const entries: LedgerEntry[] = [];
    for (const name of names) {
      try {
        entries.push(JSON.parse(await readFile(join(this.runDir(runKey), name), 'utf8')) as LedgerEntry);
      } catch {
        // A torn write cannot happen (tmp + rename), but a file removed meanwhile can.
      }
    }
    return entries;
  }

  /** Name the server and namespace that own a run, before any of its resources exist. */
  async setOwner(runKey: string, owner: RunOwner): Promise<void> {
    await this.writeFile(runKey, OWNER_FILE, JSON.stringify(owner));
  }

  /** The run's owner; undefined for runs recorded without one (`fsto vm run`, older versions). */
  async owner(runKey: string): Promise<RunOwner | undefined> {
    try {
      const v: unknown = JSON.parse(await readFile(join(this.runDir(runKey), OWNER_FILE), 'utf8'));
      return isRunOwner(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  /** Record the workflow a run key belongs to (a key that is not its workflow id: hostKeyOf). */
  async setWorkflowId(runKey: string, workflowId: string): Promise<void> {
    if (workflowId !== runKey) await this.writeFile(runKey, WORKFLOW_FILE, workflowId);
  }

  /** The workflow a run key belongs to: the recorded id, else the key itself. */
  async workflowIdOf(runKey: string): Promise<string> {
    return readFile(join(this.runDir(runKey), WORKFLOW_FILE), 'utf8').catch(() => runKey);
  }

  /** Run keys that hold anything. */
  async runs(): Promise<string[]> {
    try {
      return (await readdir(this.root, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return [];
    }
  }

  /** Drop a run's ledger dir once it holds nothing. */
  async forgetRunIfEmpty(runKey: string): Promise<void> {
    if ((await this.list(runKey)).length === 0)
      await rm(this.runDir(runKey), { recursive: true, force: true });
  }

  private async write(entry: LedgerEntry): Promise<void> {
    await this.writeFile(entry.runKey, entry.id, JSON.stringify(entry));
  }

  /** tmp + fsync + rename + fsync of the dir: a file is either absent or whole. */
  private async writeFile(runKey: string, name: string, text: string): Promise<void> {
    const dir = this.runDir(runKey);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${name}.tmp`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, name));
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
