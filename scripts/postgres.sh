#!/usr/bin/env bash
# A PostgreSQL server for zhidao's tests on this machine (run as root, by scripts/install.sh after
# the Debian packages): a cluster of Debian's postgresql package, listening on 127.0.0.1 only, a
# role `zhidao` (password `zhidao`, allowed to create the tests' throw-away databases) and a
# database `zhidao_test`. Idempotent: a cluster that exists is kept, one that runs is left
# running. Prints the URL the tests use (ZHIDAO_TEST_PG).
set -euo pipefail

ROLE=${ZHIDAO_PG_ROLE:-zhidao}
PASSWORD=${ZHIDAO_PG_PASSWORD:-zhidao}
DATABASE=${ZHIDAO_PG_DATABASE:-zhidao_test}

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
as_postgres() { $SUDO runuser -u postgres -- "$@"; }

# The cluster: the newest installed major version's "main", created when there is none.
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
  $SUDO pg_createcluster "$version" main >/dev/null
fi
conf=/etc/postgresql/$version/main
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')

# Loopback only; the role may log in over TCP with its password.
changed=0
if ! grep -Eq "^listen_addresses = '127\.0\.0\.1'" "$conf/postgresql.conf"; then
  $SUDO sed -i -E "/^[#[:space:]]*listen_addresses[[:space:]]*=/d" "$conf/postgresql.conf"
  echo "listen_addresses = '127.0.0.1'" | $SUDO tee -a "$conf/postgresql.conf" >/dev/null
  changed=1
fi
hba="host all $ROLE 127.0.0.1/32 scram-sha-256"
if ! grep -Fxq "$hba" "$conf/pg_hba.conf"; then
  # before the other host lines, so that it is the rule that matches
  $SUDO sed -i "0,/^host/s||$hba\n&|" "$conf/pg_hba.conf"
  grep -Fxq "$hba" "$conf/pg_hba.conf" || echo "$hba" | $SUDO tee -a "$conf/pg_hba.conf" >/dev/null
  changed=1
fi

status=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}')
if [ "$status" != "online" ]; then
  $SUDO pg_ctlcluster "$version" main start
elif [ "$changed" -eq 1 ]; then
  $SUDO pg_ctlcluster "$version" main restart
fi
for _ in $(seq 1 30); do
  as_postgres pg_isready -q -p "$port" && break
  sleep 1
done

as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 -v role="$ROLE" -v password="$PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'password') \gexec
SQL
if ! as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1; then
  as_postgres createdb -p "$port" -O "$ROLE" "$DATABASE"
fi

echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"
