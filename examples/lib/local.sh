# Shared by examples/airflow/run-local.sh and examples/spark/run-local.sh
# (sourced, not run): what both need on this machine before their own
# steps, and the clean-up of what they make in PostgreSQL.
#
# Names made here are lower-case letters, digits and `_` only, so they go
# into SQL and shell words without quoting surprises.

# Prints a step's heading.
step() { printf '\n==> %s\n' "$*"; }

# Fails unless $1 is a name these scripts make.
check_name() {
    case "$1" in
        "" | *[!a-z0-9_]*)
            echo "error: '$1' is not a name these scripts make (lower-case letters, digits and _)" >&2
            exit 2
            ;;
    esac
}

# Puts a `datasurface` on the PATH: the one there, or this repository's
# debug build (where cargo puts it: CARGO_TARGET_DIR and cargo's config
# included).
use_datasurface() {
    local root="$1" target_dir
    command -v datasurface >/dev/null 2>&1 && return 0
    step "building datasurface"
    cargo build --quiet --locked --manifest-path "$root/Cargo.toml" -p datasurface-cli
    target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    PATH="$target_dir/debug:$PATH"
}

# A fresh random password.
new_password() { printf 'e2e-%s' "$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"; }

# Makes login role $1 (with $2, a role option such as CREATEROLE, or "")
# whose password is $3, and the databases named after it, which it owns,
# each dropped first if it was there.
make_role_and_databases() {
    local role="$1" option="$2" password="$3" db
    shift 3
    check_name "$role"
    {
        printf 'SET client_min_messages = warning;\n'
        for db in "$@"; do
            check_name "$db"
            printf 'DROP DATABASE IF EXISTS "%s";\n' "$db"
        done
        printf 'DROP ROLE IF EXISTS "%s";\n' "$role"
        printf 'CREATE ROLE "%s" LOGIN %s PASSWORD '"'"'%s'"'"';\n' "$role" "$option" "$password"
        for db in "$@"; do
            printf 'CREATE DATABASE "%s" OWNER "%s";\n' "$db" "$role"
        done
    } | psql -X -q -v ON_ERROR_STOP=1 -d postgres
}

# `run-local.sh --clean NAME`: drops database NAME and NAME_source, and the
# roles NAME and NAME_* (a transformer's role is named after the merge
# database's), then exits.
clean_and_exit() {
    local name="$1"
    check_name "$name"
    psql -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL
SET client_min_messages = warning;
DROP DATABASE IF EXISTS "$name" WITH (FORCE);
DROP DATABASE IF EXISTS "${name}_source" WITH (FORCE);
DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT rolname FROM pg_roles WHERE rolname = '$name' OR rolname LIKE '${name}\_%' LOOP
    EXECUTE format('DROP ROLE %I', r.rolname);
  END LOOP;
END \$\$;
SQL
    echo "dropped the databases $name and ${name}_source, and the roles named for them, where there were any"
    exit 0
}
