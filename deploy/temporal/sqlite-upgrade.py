#!/usr/bin/env python3
"""Bring the embedded server's SQLite file to the schema of the Temporal server fsto runs.

The file may have been made by an older server (before fsto ran the server binary, the Temporal
CLI's dev server at 1.29.x made it). The server creates its schema only in an empty file, so
this script, run by fsto before the server starts on a file an older server made (see
client/server/embedded-db.ts):
  - creates the tables (with their indexes and seed rows) the file lacks;
  - rebuilds a table whose columns differ (the visibility table gains generated columns SQLite
    cannot add in place): its stored columns are copied, generated ones are computed anew, and
    the full-text tables and triggers of its schema file are made anew (filled by the triggers);
  - creates the indexes of unchanged tables that are missing.
All in one transaction: the file is either upgraded or untouched.

Usage: sqlite-upgrade.py DB_FILE BACKUP_FILE SCHEMA.sql...   (the server's own schema files, in order)
BACKUP_FILE receives a copy of DB_FILE as it was (SQLite's online backup), made first.
"""
import re
import sqlite3
import sys


def statements(path):
    out, buf = [], ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not buf.strip() and line.strip().startswith("--"):
                continue
            buf += line
            if sqlite3.complete_statement(buf):
                out.append(buf.strip())
                buf = ""
    if buf.strip():
        raise SystemExit(f"{path}: incomplete statement at the end: {buf.strip()[:80]}")
    return out


TABLE = re.compile(r"CREATE\s+TABLE\s+(\w+)", re.I)
VIRTUAL = re.compile(r"CREATE\s+VIRTUAL\s+TABLE\s+(\w+)", re.I)
TRIGGER = re.compile(r"CREATE\s+TRIGGER\s+(\w+)", re.I)
INDEX = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(\w+)\s+ON\s+(\w+)", re.I)
SEED = re.compile(r"INSERT\s+INTO\s+(\w+)", re.I)


def parse(path):
    f = {"tables": {}, "virtual": {}, "triggers": {}, "indexes": {}, "seeds": {}}
    for stmt in statements(path):
        if m := TABLE.match(stmt):
            f["tables"][m[1]] = stmt
        elif m := VIRTUAL.match(stmt):
            f["virtual"][m[1]] = stmt
        elif m := TRIGGER.match(stmt):
            f["triggers"][m[1]] = stmt
        elif m := INDEX.match(stmt):
            f["indexes"].setdefault(m[2], []).append((m[1], stmt))
        elif m := SEED.match(stmt):
            f["seeds"].setdefault(m[1], []).append(stmt)
        else:
            raise SystemExit(f"{path}: a statement this script does not know: {stmt[:80]}")
    return f


def columns(con, table):
    # (name, declared type, hidden): hidden 2/3 are generated columns.
    return [(r[1], r[2].upper(), r[6]) for r in con.execute(f"PRAGMA table_xinfo({table})")]


def exists(con, kind, name):
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?", (kind, name)).fetchone()


def upgrade(con, f, changes):
    target = sqlite3.connect(":memory:")
    for stmt in f["tables"].values():
        target.execute(stmt)
    changed = [t for t in f["tables"] if not exists(con, "table", t) or columns(con, t) != columns(target, t)]
    rebuilt = [t for t in changed if exists(con, "table", t)]
    if changed:
        # The file's full-text tables and triggers read the changed tables: made anew with them.
        for name in f["triggers"]:
            con.execute(f"DROP TRIGGER IF EXISTS {name}")
        for name in f["virtual"]:
            con.execute(f"DROP TABLE IF EXISTS {name}")
        for t in rebuilt:
            con.execute(f"ALTER TABLE {t} RENAME TO {t}__before_upgrade")
            for kind, name in con.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL",
                (f"{t}__before_upgrade",),
            ).fetchall():
                con.execute(f"DROP {kind.upper()} {name}")
        for t in changed:
            con.execute(f["tables"][t])
            for _, stmt in f["indexes"].get(t, []):
                con.execute(stmt)
            if t not in rebuilt:
                for stmt in f["seeds"].get(t, []):
                    con.execute(stmt)
                changes.append(f"table {t} created")
        for stmt in [*f["virtual"].values(), *f["triggers"].values()]:
            con.execute(stmt)
        for t in rebuilt:
            old = f"{t}__before_upgrade"
            stored_old = {c[0] for c in columns(con, old) if c[2] == 0}
            cols = ", ".join(c[0] for c in columns(target, t) if c[2] == 0 and c[0] in stored_old)
            n = con.execute(f"INSERT INTO {t} ({cols}) SELECT {cols} FROM {old}").rowcount
            con.execute(f"DROP TABLE {old}")
            changes.append(f"table {t} rebuilt ({n} rows)")
    for t, idx in f["indexes"].items():
        for name, stmt in idx:
            if t not in changed and not exists(con, "index", name):
                con.execute(stmt)
                changes.append(f"index {name} created")


def main(db, backup, schema_files):
    files = [parse(p) for p in schema_files]
    con = sqlite3.connect(db, isolation_level=None)
    with sqlite3.connect(backup) as copy:
        con.backup(copy)
    con.execute("BEGIN IMMEDIATE")
    changes = []
    try:
        for f in files:
            upgrade(con, f, changes)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    print("; ".join(changes) if changes else "already current")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
