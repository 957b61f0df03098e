# fsto guest agent: the first command a VM runs. It speaks newline-delimited JSON frames over
# the virtio-serial port named fsto.ctl (activities/vm/frames.ts has the host side of the protocol).
#   host -> guest: exec {id, argv, env, cwd} | kill {id} | ping {id} | poweroff
#   guest -> host: ready {release, uptime} | out {id, fd, b64} | exit {id, code, signal}
#                  | pong {id} | error {id, message}
# Python, not node: under TCG the host's node takes 6-9 s to start cold in the guest and
# python3 -S about 3 s (measured; docs/architecture.md); both are on every host (vng needs python3).
# Only light modules are imported for the same reason (no subprocess, no threading).
import base64
import json
import os
import select
import signal
import sys
import time

PORT_NAME = 'fsto.ctl'
# What a command starts with: the environment `vng --exec` gives its command (measured with
# test/fixtures/fstests/common/record-env; docs/architecture.md, Inside the guest), not the
# agent's own (init's bare PATH=/bin, HOME=/, and the LC_CTYPE Python's C-locale coercion adds).
# PATH is vng's search order less the NixOS directory it also lists.
COMMAND_ENV = {
    'HOME': '/root',
    'PATH': '/sbin:/usr/sbin:/bin:/usr/bin:/usr/local/bin',
    'TERM': 'linux',
    'XDG_RUNTIME_DIR': '/run/user/0',
}


def as_by_hand():
    """In a child before exec: the process state a shell started by vng --exec hands its command.
    Python ignores SIGPIPE and SIGXFSZ at start-up and an ignored signal stays ignored across exec:
    a test's writer into a closed pipe would then get EPIPE and print 'Broken pipe' instead of
    dying silently. So every disposition back to the default, and nothing blocked."""
    signal.set_wakeup_fd(-1)
    for s in range(1, signal.NSIG):
        if s in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            signal.signal(s, signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # numbers the C library reserves for itself
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    os.umask(0o022)


def find_port():
    root = '/sys/class/virtio-ports'
    for dev in sorted(os.listdir(root)):
        try:
            with open(os.path.join(root, dev, 'name')) as f:
                if f.read().strip() != PORT_NAME:
                    continue
        except OSError:
            continue
        path = '/dev/' + dev
        if not os.path.exists(path):
            # No udev in our guests: make the node from the numbers sysfs gives.
            with open(os.path.join(root, dev, 'dev')) as f:
                major, minor = (int(x) for x in f.read().strip().split(':'))
            os.mknod(path, 0o600 | 0o020000, os.makedev(major, minor))
        return path
    raise SystemExit('fsto agent: no virtio port named ' + PORT_NAME)


def run(argv):
    """Run a command to its end (no subprocess module: it is slow to import under TCG)."""
    pid = os.fork()
    if pid == 0:
        try:
            as_by_hand()
            os.execvpe(argv[0], argv, COMMAND_ENV)
        finally:
            os._exit(127)
    _, status = os.waitpid(pid, 0)
    return status == 0


def mount_9p(tag, mnt, mode):
    return run(['mount', '-t', '9p', '-o', 'trans=virtio,version=9p2000.L,msize=512000,' + mode, tag, mnt])


def has_overlay():
    with open('/proc/filesystems') as f:
        return any(line.split()[-1] == 'overlay' for line in f if line.strip())


def mount_overlay(tag, mnt):
    """The share read-only at a hidden lower dir, and at mnt an overlay whose upper and work dirs
    live on a tmpfs of their own: the guest may write anywhere in the tree (fstests links NNN.out
    files, writes helpers beside its tests) and the host's directory is never changed. Returns
    None or what went wrong. The qemu backend's init loaded the module; vng's may not have."""
    hidden = os.path.join(os.path.dirname(mnt), '.%s.fsto-overlay' % os.path.basename(mnt))
    lower, upper, work = (os.path.join(hidden, d) for d in ('lower', 'upper', 'work'))
    os.makedirs(hidden, exist_ok=True)
    if not run(['mount', '-t', 'tmpfs', '-o', 'mode=0700', 'fsto-' + tag, hidden]):
        return 'cannot mount a tmpfs on ' + hidden
    for d in (lower, upper, work):
        os.makedirs(d, exist_ok=True)
    if not mount_9p(tag, lower, 'ro'):
        return 'mounting it read-only on %s failed' % lower
    if not has_overlay():
        run(['modprobe', 'overlay'])
    opts = 'lowerdir=%s,upperdir=%s,workdir=%s' % (lower, upper, work)
    if not run(['mount', '-t', 'overlay', '-o', opts, 'fsto-' + tag, mnt]):
        return 'the overlay on %s failed (is the overlay module there?)' % mnt
    return None


def mount_shares(warnings):
    # fsto.share=TAG:MOUNTPOINT:ro|rw|overlay on the kernel command line; the host validated them.
    with open('/proc/cmdline') as f:
        words = f.read().split()
    for w in words:
        if not w.startswith('fsto.share='):
            continue
        tag, mnt, mode = w[len('fsto.share='):].split(':')
        try:
            os.makedirs(mnt, exist_ok=True)
        except OSError as e:
            warnings.append('share %s: cannot create mount point %s: %s' % (tag, mnt, e))
            continue
        if mode == 'overlay':
            # No fallback to a read-only tree: its tests would fail where a by-hand run passes.
            problem = mount_overlay(tag, mnt)
            if problem:
                warnings.append('share %s: %s; %s is left empty' % (tag, problem, mnt))
        elif not mount_9p(tag, mnt, mode):
            warnings.append('share %s: mounting it on %s failed' % (tag, mnt))


UDEVD = '/lib/systemd/systemd-udevd'


def start_udev(warnings):
    """udevd, as a vng guest runs it, with the devices present at boot announced and settled before
    the first command: fstests' _dmsetup_create/_dmsetup_remove end in `udevadm wait [--removed]
    /dev/mapper/NAME`, which returns only once udevd has processed the device, and tests use the
    /dev/disk/by-* links. vng's own init starts one (its /run/udev/control is there): keep it."""
    if os.path.exists('/run/udev/control'):
        return
    if not os.path.exists(UDEVD):
        warnings.append('no %s in the guest root: device-mapper tests will hang (install udev)' % UDEVD)
        return
    t0 = time.monotonic()
    if not run([UDEVD, '--daemon']):
        warnings.append('%s --daemon failed' % UDEVD)
        return
    t1 = time.monotonic()
    # Coldplug of what tests use (disks: /dev/disk/by-*; misc: /dev/mapper/control, loop-control),
    # not of every emulated device as vng's init does: that loads a few dozen modules for QEMU's
    # hardware (ahci, i2c, watchdog, psmouse, crypto) and cost 54 s against 20 s on a loaded
    # TCG host (docs/architecture.md). Devices that appear later (dm, loop) get their events anyway.
    run(['udevadm', 'trigger', '--action=add', '--subsystem-match=block', '--subsystem-match=misc'])
    if not run(['udevadm', 'settle', '--timeout=120']):
        warnings.append('udevadm settle: device events still queued after 120 s')
    # On the console (the VM's log): what udev costs a boot (docs/architecture.md, Inside the guest).
    sys.stderr.write('fsto agent: udevd started in %.1f s, devices settled in %.1f s more\n' % (t1 - t0, time.monotonic() - t1))


class Agent:
    def __init__(self, fd):
        self.fd = fd
        self.inbuf = b''
        self.cmds = {}  # id -> {pid, fds: {fd: 1|2}, status}
        # A child's exit wakes the loop at once (its output's EOF often comes first, before it can
        # be reaped): without it every command's exit waited for select's timeout (~0.2 s each).
        self.chld_r, chld_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(chld_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)

    def send(self, frame):
        data = (json.dumps(frame, separators=(',', ':')) + '\n').encode()
        while data:
            n = os.write(self.fd, data)
            data = data[n:]

    def start(self, msg):
        cid = msg['id']
        env = dict(COMMAND_ENV)
        env.update(msg.get('env') or {})
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                as_by_hand()
                # Its own session with no controlling terminal, as vng --exec's shell has.
                os.setsid()
                os.dup2(os.open('/dev/null', os.O_RDONLY), 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                os.closerange(3, 1024)
                if msg.get('cwd'):
                    os.chdir(msg['cwd'])
                os.execvpe(msg['argv'][0], msg['argv'], env)
            except BaseException as e:  # noqa: BLE001 - report any failure to start, then die
                os.write(2, ('fsto agent: cannot run %r: %s\n' % (msg['argv'], e)).encode())
            os._exit(127)
        os.close(out_w)
        os.close(err_w)
        self.cmds[cid] = {'pid': pid, 'fds': {out_r: 1, err_r: 2}, 'status': None}

    def on_frame(self, msg):
        t = msg.get('t')
        if t == 'exec':
            try:
                self.start(msg)
            except Exception as e:  # noqa: BLE001
                self.send({'t': 'error', 'id': msg.get('id'), 'message': str(e)})
        elif t == 'ping':
            self.send({'t': 'pong', 'id': msg.get('id')})
        elif t == 'kill':
            c = self.cmds.get(msg.get('id'))
            if c:
                try:
                    os.killpg(c['pid'], signal.SIGKILL)
                except OSError:
                    pass
        elif t == 'poweroff':
            for c in self.cmds.values():
                try:
                    os.killpg(c['pid'], signal.SIGKILL)
                except OSError:
                    pass
            os.sync()
            raise SystemExit(0)

    def reap(self):
        for cid, c in list(self.cmds.items()):
            if c['status'] is None:
                try:
                    pid, status = os.waitpid(c['pid'], os.WNOHANG)
                except ChildProcessError:
                    pid, status = c['pid'], 0
                if pid:
                    c['status'] = status
            if c['status'] is not None and not c['fds']:
                st = c['status']
                code = os.WEXITSTATUS(st) if os.WIFEXITED(st) else None
                sig = os.WTERMSIG(st) if os.WIFSIGNALED(st) else None
                self.send({'t': 'exit', 'id': cid, 'code': code, 'signal': sig})
                del self.cmds[cid]

    def loop(self):
        while True:
            fds = [self.fd, self.chld_r] + [fd for c in self.cmds.values() for fd in c['fds']]
            ready, _, _ = select.select(fds, [], [], 0.2)
            for fd in ready:
                if fd == self.chld_r:
                    try:
                        os.read(self.chld_r, 512)
                    except BlockingIOError:
                        pass
                    continue
                if fd == self.fd:
                    chunk = os.read(self.fd, 65536)
                    if not chunk:
                        # The host side is not connected (yet, or any more): do not spin.
                        time.sleep(0.5)
                        continue
                    self.inbuf += chunk
                    while b'\n' in self.inbuf:
                        line, self.inbuf = self.inbuf.split(b'\n', 1)
                        if line.strip():
                            self.on_frame(json.loads(line))
                    continue
                for cid, c in self.cmds.items():
                    if fd in c['fds']:
                        data = os.read(fd, 65536)
                        if data:
                            self.send({'t': 'out', 'id': cid, 'fd': c['fds'][fd],
                                       'b64': base64.b64encode(data).decode()})
                        else:
                            os.close(fd)
                            del c['fds'][fd]
                        break
            self.reap()


def main():
    warnings = []
    mount_shares(warnings)
    # The port is open before udevd starts: nothing udev does to its node can take it from us.
    fd = os.open(find_port(), os.O_RDWR)
    start_udev(warnings)
    for w in warnings:
        sys.stderr.write('fsto agent: %s\n' % w)
    agent = Agent(fd)
    with open('/proc/uptime') as f:
        uptime = float(f.read().split()[0])
    agent.send({'t': 'ready', 'release': os.uname().release, 'uptime': uptime, 'warnings': warnings})
    agent.loop()


main()
