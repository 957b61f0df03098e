#!/bin/busybox sh
# /init of the qemu backend's initramfs (built by activities/vm/initramfs.ts): load the modules
# the root needs, mount the guest root (a skeleton + the host's /usr …, read-only over 9p; or a
# rootfs image) with tmpfs where the guest writes, then switch to it and run the agent as the
# VM's first command.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "fsto-init: $*" > /dev/ttyS0; }
for m in $(cat /fsto/modules.order); do insmod "/fsto/modules/$m" || say "insmod $m failed"; done

arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n 1; }
mkdir -p /newroot
if [ "$(arg fsto.root)" = disk ]; then
  for s in /sys/block/vd*; do
    [ "$(cat "$s/serial" 2>/dev/null)" = fsto-root ] && dev=/dev/${s##*/}
  done
  mount -o rw "$dev" /newroot || { say "cannot mount rootfs $dev"; poweroff -f; }
else
  # The root made for the guest (a generated /etc, empty /var, /root, /home: no host secrets),
  # then the host's system dirs (/usr, …) read-only on it, each its own share.
  mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose fsto.root /newroot \
    || { say 'cannot mount the guest root'; poweroff -f; }
  for d in $(arg fsto.sys | tr , ' '); do
    mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose "fsto.sys.$d" "/newroot/$d" \
      || { say "cannot mount the host's /$d"; poweroff -f; }
  done
  # Writable copies of what programs write to; the host sees none of it.
  mkdir -p /ovl
  mount -t tmpfs -o mode=0755 ovl /ovl
  for d in etc var root home srv opt; do
    [ -d "/newroot/$d" ] || continue
    mkdir -p "/ovl/$d/u" "/ovl/$d/w"
    mount -t overlay -o "lowerdir=/newroot/$d,upperdir=/ovl/$d/u,workdir=/ovl/$d/w" overlay "/newroot/$d" \
      || say "overlay on /$d failed"
  done
  for d in tmp mnt; do mount -t tmpfs -o mode=1777 "$d" "/newroot/$d"; done
fi
mount -t tmpfs -o mode=0755 run /newroot/run 2>/dev/null
if grep -q 'fsto.mods=1' /proc/cmdline; then
  rel=$(uname -r)
  mount -t tmpfs mods /newroot/lib/modules && mkdir -p "/newroot/lib/modules/$rel" \
    && mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000 fsto.mods "/newroot/lib/modules/$rel" \
    || say 'cannot mount the modules share'
fi
mkdir -p /newroot/run/fsto
cp /fsto/agent.py /bin/busybox /newroot/run/fsto/
for d in proc sys dev; do mount --move "/$d" "/newroot/$d"; done
# devtmpfs lacks what udev or a distro init would add: bash's process substitution (<(…)) and
# fstests' scripts need /dev/fd and /dev/std{in,out,err}, as in a vng guest or on a host.
ln -sfn /proc/self/fd /newroot/dev/fd
for i in 0:stdin 1:stdout 2:stderr; do ln -sfn "/proc/self/fd/${i%%:*}" "/newroot/dev/${i#*:}"; done
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs shm /newroot/dev/shm
# What a vng guest's init mounts besides (fstests reads debugfs for fault injection, tracefs for
# tracepoints, cgroup2 for its cgroup tests), and the runtime dir its commands get as XDG_RUNTIME_DIR.
mount -t debugfs debugfs /newroot/sys/kernel/debug
mount -t tracefs tracefs /newroot/sys/kernel/tracing
mount -t securityfs securityfs /newroot/sys/kernel/security
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup
mkdir -p -m 0700 /newroot/run/user/0
hostname fsto-guest
# PID 1 from here on is this shell: it waits for the agent, then powers off (QEMU runs with
# -no-reboot, so the VM ends either way).
exec switch_root /newroot /run/fsto/busybox sh -c \
  'cd /; /usr/bin/python3 -S -E -u /run/fsto/agent.py; /run/fsto/busybox sync; /run/fsto/busybox poweroff -f'
