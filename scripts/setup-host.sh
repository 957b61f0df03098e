#!/usr/bin/env bash
# Prepare a host for fsto: Debian packages, a kernel image, the Temporal server, its Web UI server
# and CLI (built once into version-checked cache dirs), virtme-ng (pinned, in its own venv) and the npm dependencies.
# Idempotent: whatever is present and of the right version is skipped. Every prerequisite that
# cannot be installed gets one line saying what is missing and how to get it; exit 1 then.
set -uo pipefail

TEMPORAL_CLI_VERSION=1.5.1          # newest tag that builds from the module proxy (deploy/temporal-cli/go.mod)
TEMPORAL_CLI_SERVER_VERSION=1.29.7  # the server it is built against there; checked, since go build stamps no CLI version
VNG_VERSION=1.42
CACHE=${FSTO_CACHE_DIR:-/var/cache/fsto}
TEMPORAL_DIR=$CACHE/temporal-v$TEMPORAL_CLI_VERSION-server$TEMPORAL_CLI_SERVER_VERSION
VNG_DIR=$CACHE/virtme-ng-$VNG_VERSION
here=$(cd "$(dirname "$0")/.." && pwd)

missing=()
say() { printf 'setup: %s\n' "$*"; }
miss() { missing+=("$1"); printf 'setup: MISSING %s\n' "$1" >&2; }

[ "$(id -u)" = 0 ] || { echo "setup: run as root (sudo bash scripts/setup-host.sh): it installs packages and needs loop devices" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------------------------
# QEMU and virtme-ng's runtime; filesystem tools (the guest sees the host's root, so what fstests
# runs in the guest is what the host has); what fstests itself calls; udev, whose udevd the guests
# run as a vng guest does (fstests' device-mapper helpers wait for it); nftables, with which the
# embedded Temporal server's ports are kept for the user who started it (client/server/port-guard-rules.ts).
pkgs=(qemu-system-x86 qemu-utils busybox-static kmod file python3 python3-venv
      util-linux e2fsprogs xfsprogs btrfs-progs xfsdump acl attr quota bc gawk psmisc fio
      dmsetup udev keyutils libcap2-bin sqlite3 procps nftables)
# Only the test suite needs these: HTML reports are rendered and screenshotted in headless Chromium;
# the results store's tests run on both backends, PostgreSQL (Debian's, as scripts/cluster.sh uses) too.
pkgs+=(chromium postgresql)
ls /boot/vmlinuz-* >/dev/null 2>&1 || pkgs+=(linux-image-amd64)
need=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  say "installing Debian packages: ${need[*]}"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }; then
    miss "Debian packages ${need[*]}: apt-get could not install them (is a Debian mirror reachable?); install them by hand"
  fi
else
  say "Debian packages present"
fi

# fstests runs some tests as these users; the guest sees the host's /etc/passwd.
for u in fsgqa fsgqa2 123456-fsgqa; do
  id "$u" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$u" 2>/dev/null || miss "user $u: useradd $u"
done
getent group fsgqa >/dev/null || groupadd fsgqa 2>/dev/null || true

# --- Temporal CLI (dev server + Web UI), built once from deploy/temporal-cli (go.mod + go.sum) --
temporal_ok() { "$TEMPORAL_DIR/temporal" --version 2>/dev/null | grep -q "Server $TEMPORAL_CLI_SERVER_VERSION"; }
if temporal_ok; then
  say "Temporal CLI v$TEMPORAL_CLI_VERSION present ($TEMPORAL_DIR)"
elif ! command -v go >/dev/null; then
  miss "Go toolchain (needed once to build the Temporal CLI): install Go >= 1.25 from go.dev, then re-run"
else
  say "building Temporal CLI v$TEMPORAL_CLI_VERSION (server $TEMPORAL_CLI_SERVER_VERSION) from deploy/temporal-cli (once; several minutes)"
  mkdir -p "$TEMPORAL_DIR"
  if (cd "$here/deploy/temporal-cli" && go build -o "$TEMPORAL_DIR/temporal" github.com/temporalio/cli/cmd/temporal) && temporal_ok; then
    say "Temporal CLI built: $TEMPORAL_DIR/temporal"
  else
    miss "Temporal CLI v$TEMPORAL_CLI_VERSION: 'go build github.com/temporalio/cli/cmd/temporal' in deploy/temporal-cli failed (is the Go module proxy reachable?)"
  fi
fi

# --- Temporal server and Web UI server: the embedded default runs them (so does scripts/cluster.sh) --
# Built once with go install into version-checked cache dirs (scripts/cluster-build.sh); versions
# from deploy/versions.env. The CLI above stays for `temporal operator` and the cluster's init.
# shellcheck source=../deploy/versions.env
. "$here/deploy/versions.env"
SERVER_DIR=$CACHE/temporal-server-v$TEMPORAL_SERVER_VERSION
UI_DIR=$CACHE/temporal-ui-v$TEMPORAL_UI_VERSION
# shellcheck source=cluster-build.sh
. "$here/scripts/cluster-build.sh"
(die() { printf 'setup: %s\n' "$*" >&2; exit 1; } && build_server) ||
  miss "Temporal server $TEMPORAL_SERVER_VERSION: go install go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION failed (is the Go module proxy reachable? Go >= 1.21 fetches $TEMPORAL_GO_TOOLCHAIN)"
(die() { printf 'setup: %s\n' "$*" >&2; exit 1; } && build_ui) ||
  miss "Temporal UI server $TEMPORAL_UI_VERSION: go install github.com/temporalio/ui-server/v2/cmd/server@v$TEMPORAL_UI_VERSION failed (is the Go module proxy reachable?)"

# --- virtme-ng, pinned, with Debian's python (the pyenv one lacks what vng needs) -------------
if "$VNG_DIR/bin/vng" --version 2>/dev/null | grep -q "$VNG_VERSION"; then
  say "virtme-ng $VNG_VERSION present ($VNG_DIR)"
else
  say "installing virtme-ng $VNG_VERSION into $VNG_DIR"
  if /usr/bin/python3 -m venv "$VNG_DIR" && "$VNG_DIR/bin/pip" install -q "virtme-ng==$VNG_VERSION"; then
    say "virtme-ng installed"
  else
    miss "virtme-ng $VNG_VERSION: pip install virtme-ng==$VNG_VERSION failed (is PyPI reachable?)"
  fi
fi
# Users (and the overhead benchmark's baseline) call plain `vng`.
[ -e /usr/local/bin/vng ] || ln -s "$VNG_DIR/bin/vng" /usr/local/bin/vng

# --- npm dependencies --------------------------------------------------------------------------
if [ -f "$here/package-lock.json" ]; then
  if [ -d "$here/node_modules" ] && [ "$here/node_modules/.package-lock.json" -nt "$here/package-lock.json" ]; then
    say "npm dependencies present"
  else
    # `npm install` with the committed lock installs exactly the locked tree. Not `npm ci`: its
    # strict check wants lock entries for other platforms' optional binaries (@swc/core-darwin-*,
    # …), which registries that mirror only this platform cannot provide.
    say "npm install (from package-lock.json)"
    (cd "$here" && npm install --no-audit --no-fund --loglevel=error) || miss "npm dependencies: 'npm install' failed (is the npm registry reachable?)"
  fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: ${#missing[@]} prerequisite(s) missing; see the MISSING lines above" >&2
  exit 1
fi
say "host ready"
