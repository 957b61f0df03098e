#!/usr/bin/env bash
# Part of scripts/cluster.sh: the binaries of a Temporal cluster, each built once from its Go
# module into a version-checked cache dir (like setup-host.sh builds the CLI) — the server, its
# SQL schema tool and schema files, and the Web UI server the CLI embeds. Sourced, not run.

# go install leaves nothing behind but the binary; the schema files come from the same module:
# PostgreSQL's for a cluster's databases, SQLite's for upgrading the embedded server's file
# (client/server/embedded-db.ts).
build_server() {
  if "$SERVER_DIR/server" --version 2>/dev/null | grep -q " $TEMPORAL_SERVER_VERSION\$" &&
    "$SERVER_DIR/sql" --version 2>/dev/null | grep -q " $TEMPORAL_SERVER_VERSION\$"; then
    say "Temporal server $TEMPORAL_SERVER_VERSION present ($SERVER_DIR)"
  else
    need_go
    say "building Temporal server $TEMPORAL_SERVER_VERSION and its SQL tool with go install (once; several minutes)"
    mkdir -p "$SERVER_DIR"
    (cd / && GOTOOLCHAIN=$TEMPORAL_GO_TOOLCHAIN GOBIN=$SERVER_DIR nice go install \
      "go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION" \
      "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION") || die "go install of the Temporal server failed"
    "$SERVER_DIR/server" --version | grep -q " $TEMPORAL_SERVER_VERSION\$" || die "built server is not $TEMPORAL_SERVER_VERSION"
  fi
  [ -d "$SERVER_DIR/schema/postgresql/v12/temporal/versioned" ] && [ -f "$SERVER_DIR/schema/sqlite/v3/visibility/schema.sql" ] &&
    return
  need_go
  local mod
  mod=$(cd / && GOTOOLCHAIN=$TEMPORAL_GO_TOOLCHAIN go mod download -json "go.temporal.io/server@v$TEMPORAL_SERVER_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$mod/schema/sqlite/v3" ] || die "the Temporal server module's schema files were not found (go mod download)"
  rm -rf "$SERVER_DIR/schema"
  mkdir -p "$SERVER_DIR/schema/postgresql" "$SERVER_DIR/schema/sqlite"
  cp -r "$mod/schema/postgresql/v12" "$SERVER_DIR/schema/postgresql/"
  cp -r "$mod/schema/sqlite/v3" "$SERVER_DIR/schema/sqlite/"
  chmod -R u+w "$SERVER_DIR/schema"
  say "Temporal server $TEMPORAL_SERVER_VERSION schema files in $SERVER_DIR/schema"
}

# `temporal server start-dev` serves its UI for its own dev server only (the CLI wires the UI to
# its own frontend; no flag points it elsewhere), so a cluster gets the ui-server itself.
build_ui() {
  if "$UI_DIR/server" --version 2>/dev/null | grep -q " $TEMPORAL_UI_VERSION\$"; then
    say "Temporal UI server $TEMPORAL_UI_VERSION present ($UI_DIR)"
    return
  fi
  need_go
  say "building Temporal UI server $TEMPORAL_UI_VERSION with go install (once)"
  mkdir -p "$UI_DIR"
  (cd / && GOTOOLCHAIN=$TEMPORAL_GO_TOOLCHAIN GOBIN=$UI_DIR nice go install "github.com/temporalio/ui-server/v2/cmd/server@v$TEMPORAL_UI_VERSION") ||
    die "go install of the Temporal UI server failed"
}

check_cli() {
  "$CLI" --version 2>/dev/null | grep -q "Server $TEMPORAL_CLI_SERVER_VERSION, UI $TEMPORAL_CLI_UI_VERSION" ||
    die "Temporal CLI $TEMPORAL_CLI_VERSION (server $TEMPORAL_CLI_SERVER_VERSION, UI $TEMPORAL_CLI_UI_VERSION) missing at $CLI: run scripts/setup-host.sh"
  say "Temporal CLI $TEMPORAL_CLI_VERSION present ($CLI)"
}

need_go() {
  command -v go >/dev/null || die "Go toolchain missing (needed once to build Temporal): install Go >= 1.21 (it fetches $TEMPORAL_GO_TOOLCHAIN from the module proxy), then re-run"
}
