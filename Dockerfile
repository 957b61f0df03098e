# The fsto worker for a docker-compose cluster (docs/scale-out.md): Node 20, QEMU and the host
# tools fstests and our device code call (the same list as scripts/setup-host.sh), and this
# checkout run as ./fsto runs it: a JavaScript bundle of its sources (client/core/cli-bundle.ts, built
# into node_modules/.cache on the first start; tsx as the fallback). Kernels come from the host's
# /boot (mounted read-only).
FROM node:20.20.2-bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      qemu-system-x86 qemu-utils busybox-static kmod file python3 \
      util-linux e2fsprogs xfsprogs btrfs-progs xfsdump acl attr quota bc gawk psmisc fio \
      dmsetup udev keyutils libcap2-bin sqlite3 procps nftables ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# fstests runs some tests as these users; the guest sees this container's /etc/passwd.
RUN groupadd fsgqa && for u in fsgqa fsgqa2 123456-fsgqa; do useradd -M -s /usr/sbin/nologin "$u"; done

WORKDIR /opt/fsto
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .

# The ledger, results and host id live here: a volume, so a restarted worker keeps its host
# queue and its reaper finds what the previous container left behind.
ENV FSTO_STATE_DIR=/var/lib/fsto
VOLUME /var/lib/fsto

ENTRYPOINT ["./fsto"]
CMD ["worker"]
