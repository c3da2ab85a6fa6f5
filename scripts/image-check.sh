#!/usr/bin/env bash
# make image-check: proves the container image works without a Docker engine and without pulling a
# public image.
#
#  1. base:  a Debian bookworm rootfs (debootstrap minbase + openjdk-17-jre-headless), imported as
#            localhost/ehe-base:bookworm-jre17 (kept between runs; REBUILD_BASE=1 makes it anew)
#  2. image: the Dockerfile's runtime-prebuilt target on that base, with target/events-has-embedding.jar
#  3. run:   the image's configured ENTRYPOINT (read back with buildah inspect) inside the image
#            (buildah from + buildah run --isolation chroot) as the image's numeric user, /tmp on a
#            volume, against a PostgreSQL 15 on loopback with a throwaway database and role:
#              A (empty database):      migrate --with-baseline, insert rows, status
#              B (production-shaped):   tables with rows and embeddings made first, then ENTRYPOINT+CMD
#                                       (plain migrate), status (not ready), backfill --then-migrate,
#                                       status (ready), verify
#            and finally checks that nothing was written outside /tmp (read-only root filesystem).
#  4. IMAGE_CHECK_FULL=1 also builds the default target (the Maven build stage) on a second local base
#            (debootstrap + openjdk-17-jdk-headless + maven; Maven Central must answer) and runs its jar.
#
# Needs root and Debian's packages (installs debootstrap, buildah, podman, postgresql when missing).
# Containers storage is its own (vfs under $WORK), so it touches no other image store.
# Prints a summary line per step and the elapsed time; exits non-zero when any step did not do what it should.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$(pwd)

START=$(date +%s)
WORK="${IMAGE_CHECK_DIR:-/var/tmp/ehe-image-check}"
BASE_IMAGE="localhost/ehe-base:bookworm-jre17"
IMAGE="localhost/events-has-embedding:check"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
JAR=target/events-has-embedding.jar
STORE=(--root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs)

log() { printf '[image-check %4ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }
die() { log "FAILED: $*"; exit 1; }
bh() { buildah "${STORE[@]}" "$@"; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot isolation)"
[ -f "$JAR" ] || die "$JAR is missing: run make build first"

# --- tools ---------------------------------------------------------------------------------------
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v buildah >/dev/null || missing+=(buildah)
command -v podman >/dev/null || missing+=(podman)
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]}"
fi
mkdir -p "$WORK"

# --- 1. base image -------------------------------------------------------------------------------
if [ "${REBUILD_BASE:-0}" = 1 ]; then
  bh rmi -f "$BASE_IMAGE" >/dev/null 2>&1 || true
fi
if bh inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base: $BASE_IMAGE already built (REBUILD_BASE=1 to make it anew)"
else
  log "base: debootstrap bookworm minbase + openjdk-17-jre-headless from $MIRROR"
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$WORK/rootfs" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 || die "debootstrap (see $WORK/debootstrap.log)"
  # Slim it a little: apt lists, caches, docs. The JRE stays whole.
  rm -rf "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/var/cache/apt/"*.bin "$WORK/rootfs/var/cache/apt/archives/"*.deb \
         "$WORK/rootfs/usr/share/doc" "$WORK/rootfs/usr/share/man"
  log "base: importing rootfs as $BASE_IMAGE"
  tar -C "$WORK/rootfs" -c . | podman "${STORE[@]}" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$BASE_IMAGE" >"$WORK/import.log" 2>&1 \
    || die "podman import"
  rm -rf "$WORK/rootfs"
fi
BASE_DONE=$(date +%s)

# --- 2. the image --------------------------------------------------------------------------------
log "image: buildah bud --target runtime-prebuilt --build-arg RUNTIME_IMAGE=$BASE_IMAGE"
bh bud --isolation chroot --pull=never --target runtime-prebuilt \
   --build-arg RUNTIME_IMAGE="$BASE_IMAGE" --build-arg BUILD_IMAGE="$BASE_IMAGE" \
   -t "$IMAGE" . >"$WORK/bud.log" 2>&1 || { cat "$WORK/bud.log"; die "buildah bud"; }
bh rmi --prune >/dev/null 2>&1 || true   # the previous run's image, now untagged (vfs copies are large)
IMAGE_DONE=$(date +%s)

mapfile -t ENTRYPOINT < <(bh inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}' "$IMAGE")
mapfile -t CMD < <(bh inspect --type image --format '{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$IMAGE")
USER_SPEC=$(bh inspect --type image --format '{{.OCIv1.Config.User}}' "$IMAGE")
log "image: ENTRYPOINT=${ENTRYPOINT[*]}"
log "image: CMD=${CMD[*]}  USER=$USER_SPEC"
failures=0
check() { # name, condition result
  if [ "$2" = ok ]; then log "ok    $1"; else log "FAIL  $1"; failures=$((failures + 1)); fi
}
[[ "$USER_SPEC" =~ ^[1-9][0-9]*(:[0-9]+)?$ ]] && r=ok || r=no; check "USER is a numeric non-root uid ($USER_SPEC)" $r
[ "${#ENTRYPOINT[@]}" -gt 2 ] && [ "${ENTRYPOINT[0]}" = java ] && [ "${ENTRYPOINT[-1]}" = /app/events-has-embedding.jar ] && r=ok || r=no
check "ENTRYPOINT is java ... -jar /app/events-has-embedding.jar" $r
[ "${CMD[*]}" = migrate ] && r=ok || r=no; check "CMD is [migrate]" $r

# --- PostgreSQL on loopback ----------------------------------------------------------------------
PG_VER=15; PG_CLUSTER=main; STARTED_PG=0
if ! pg_lsclusters -h 2>/dev/null | awk -v v=$PG_VER -v c=$PG_CLUSTER '$1==v && $2==c' | grep -q .; then
  pg_createcluster $PG_VER $PG_CLUSTER >/dev/null || die "pg_createcluster"
fi
if ! pg_lsclusters -h | awk -v v=$PG_VER -v c=$PG_CLUSTER '$1==v && $2==c {print $4}' | grep -q online; then
  pg_ctlcluster $PG_VER $PG_CLUSTER start || die "pg_ctlcluster $PG_VER $PG_CLUSTER start"
  STARTED_PG=1
fi
PG_PORT=$(pg_lsclusters -h | awk -v v=$PG_VER -v c=$PG_CLUSTER '$1==v && $2==c {print $3}')
SUFFIX="$$_$(date +%s)"
ROLE="ehe_check_$SUFFIX"
DB_A="ehe_check_a_$SUFFIX"
DB_B="ehe_check_b_$SUFFIX"
PASS="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
psql_su() { runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_db() { PGPASSWORD="$PASS" psql -h 127.0.0.1 -p "$PG_PORT" -U "$ROLE" -v ON_ERROR_STOP=1 -qAt -d "$1" "${@:2}"; }

CTR=""
TMPVOL="$WORK/tmp-volume"
cleanup() {
  [ -n "$CTR" ] && bh rm "$CTR" >/dev/null 2>&1
  psql_su -d postgres -c "DROP DATABASE IF EXISTS \"$DB_A\" WITH (FORCE)" >/dev/null 2>&1
  psql_su -d postgres -c "DROP DATABASE IF EXISTS \"$DB_B\" WITH (FORCE)" >/dev/null 2>&1
  psql_su -d postgres -c "DROP ROLE IF EXISTS \"$ROLE\"" >/dev/null 2>&1
  [ "$STARTED_PG" = 1 ] && pg_ctlcluster $PG_VER $PG_CLUSTER stop >/dev/null 2>&1
  rm -rf "$TMPVOL"
}
trap cleanup EXIT

psql_su -d postgres -c "CREATE ROLE \"$ROLE\" LOGIN PASSWORD '$PASS'" || die "create role"
psql_su -d postgres -c "CREATE DATABASE \"$DB_A\" OWNER \"$ROLE\"" || die "create database"
psql_su -d postgres -c "CREATE DATABASE \"$DB_B\" OWNER \"$ROLE\"" || die "create database"
log "postgres: cluster $PG_VER/$PG_CLUSTER on 127.0.0.1:$PG_PORT, role $ROLE, databases $DB_A, $DB_B"

# Database B looks like production before the rollout: both tables exist and hold rows.
psql_db "$DB_B" <<'SQL' || die "seed database B"
CREATE TABLE events (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                     organization_id text NOT NULL, payload_text text,
                     created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE event_embeddings (event_id bigint NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                               embedding real[], created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO events (organization_id, payload_text)
SELECT 'org-' || (g % 7), CASE WHEN g % 10 = 0 THEN NULL WHEN g % 10 = 1 THEN '' ELSE 'text ' || g END
FROM generate_series(1, 5000) g;
INSERT INTO event_embeddings (event_id, embedding) SELECT id, ARRAY[0.1, 0.2] FROM events WHERE id % 3 <> 0;
SQL

# --- 3. run the image's entrypoint ---------------------------------------------------------------
CTR=$(bh from --pull-never "$IMAGE") || die "buildah from"
mkdir -p "$TMPVOL" && chmod 1777 "$TMPVOL"
MNT=$(bh mount "$CTR") || die "buildah mount"
touch "$WORK/marker"; sleep 1

# run_image DB EXPECTED_EXIT ARGS... : the image's ENTRYPOINT with ARGS, as the image's user.
run_image() {
  local db=$1 expected=$2; shift 2
  local url="postgres://$ROLE:$PASS@127.0.0.1:$PG_PORT/$db"
  local out="$WORK/run.log" rc
  bh run --isolation chroot --network host -v "$TMPVOL:/tmp" \
     --env DATABASE_URL="$url" --env LOG_FORMAT=json \
     "$CTR" -- "${ENTRYPOINT[@]}" "$@" >"$out" 2>&1
  rc=$?
  sed 's/^/      | /' "$out" | tail -n "${RUN_LOG_LINES:-8}"
  if grep -q -- "$PASS" "$out"; then log "FAIL  the password appears in the output of: $*"; failures=$((failures + 1)); fi
  [ "$rc" = "$expected" ] && r=ok || r=no
  check "$(printf '%-42s exit %s (expected %s)' "[$db] ${*:-<CMD>}" "$rc" "$expected")" $r
}

log "run A: empty database"
run_image "$DB_A" 0 migrate --with-baseline
psql_db "$DB_A" -c "INSERT INTO events (organization_id, payload_text) VALUES ('org-1','hello'),('org-1',''),('org-2',NULL),('org-2','world')" \
  && r=ok || r=no; check "[A] insert rows after migrate" $r
psql_db "$DB_A" -c "INSERT INTO event_embeddings (event_id) SELECT min(id) FROM events" && r=ok || r=no
check "[A] insert an embedding (trigger sets has_embedding)" $r
a_state=$(psql_db "$DB_A" -c "SELECT count(*) FILTER (WHERE has_embedding), count(*) FILTER (WHERE NOT has_embedding), count(*) FILTER (WHERE has_embedding IS NULL) FROM events" 2>&1)
[ "$a_state" = "1|3|0" ] && r=ok || r=no; check "[A] has_embedding true|false|null = $a_state (expected 1|3|0)" $r
run_image "$DB_A" 0 status

log "run B: production-shaped database, the rollout runbook"
run_image "$DB_B" 0 "${CMD[@]}"                       # exactly ENTRYPOINT + CMD
run_image "$DB_B" 5 status                            # rows still NULL, no index yet: not ready
run_image "$DB_B" 0 backfill --batch-size 1000 --then-migrate
run_image "$DB_B" 0 status
run_image "$DB_B" 0 verify --sample 500
b_state=$(psql_db "$DB_B" -c "SELECT count(*) FILTER (WHERE has_embedding IS NULL), count(*) FILTER (WHERE has_embedding IS DISTINCT FROM EXISTS (SELECT 1 FROM event_embeddings x WHERE x.event_id = events.id)) FROM events" 2>&1)
[ "$b_state" = "0|0" ] && r=ok || r=no; check "[B] rows still NULL | rows wrong = $b_state (expected 0|0)" $r
b_index=$(psql_db "$DB_B" -c "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('idx_events_pending_embedding')" 2>&1)
[ "$b_index" = "t" ] && r=ok || r=no; check "[B] idx_events_pending_embedding valid = '${b_index}' (expected t)" $r

# Read-only root filesystem: nothing in the container's rootfs may be newer than the marker.
written=$(find "$MNT" -xdev -newer "$WORK/marker" \
            -not -path "$MNT/tmp" -not -path "$MNT/tmp/*" -not -path "$MNT/dev*" -not -path "$MNT/proc*" \
            -not -path "$MNT/sys*" -not -path "$MNT/run*" -not -path "$MNT/etc/hosts" -not -path "$MNT/etc/hostname" \
            -not -path "$MNT/etc/resolv.conf" -not -path "$MNT" -not -type d 2>/dev/null | sed "s#^$MNT##" | head -20)
[ -z "$written" ] && r=ok || r=no
check "nothing written outside /tmp (read-only root filesystem)${written:+: $(echo $written)}" $r
bh umount "$CTR" >/dev/null 2>&1

# --- 4. optional: the default target, jar built by the Dockerfile's Maven stage ---------------------
if [ "${IMAGE_CHECK_FULL:-0}" = 1 ]; then
  BUILD_BASE="localhost/ehe-build-base:bookworm-jdk17-maven"
  if ! bh inspect --type image "$BUILD_BASE" >/dev/null 2>&1; then
    log "full: debootstrap bookworm minbase + openjdk-17-jdk-headless + maven"
    rm -rf "$WORK/rootfs-build"
    debootstrap --variant=minbase --include=openjdk-17-jdk-headless,maven bookworm "$WORK/rootfs-build" "$MIRROR" \
      >"$WORK/debootstrap-build.log" 2>&1 || die "debootstrap of the build base (see $WORK/debootstrap-build.log)"
    # Maven inside the build reaches Central the way this machine does: when the machine trusts extra
    # CAs (an egress proxy's, a company's), the build base gets this machine's Java trust store. Only
    # the build base: the runtime image keeps Debian's.
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null && [ -f /etc/ssl/certs/java/cacerts ]; then
      mkdir -p "$WORK/rootfs-build/etc/ssl/certs/java"
      cp /etc/ssl/certs/java/cacerts "$WORK/rootfs-build/etc/ssl/certs/java/cacerts"
    fi
    tar -C "$WORK/rootfs-build" -c . | podman "${STORE[@]}" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$BUILD_BASE" >"$WORK/import.log" 2>&1 \
      || die "podman import of the build base"
    rm -rf "$WORK/rootfs-build"
  fi
  log "full: buildah bud (default target: Maven build stage, then runtime)"
  if bh bud --isolation chroot --pull=never --network host \
       --build-arg BUILD_IMAGE="$BUILD_BASE" --build-arg RUNTIME_IMAGE="$BASE_IMAGE" \
       -t "$IMAGE-full" . >"$WORK/bud-full.log" 2>&1; then
    FULL_CTR=$(bh from --pull-never "$IMAGE-full")
    mapfile -t FULL_EP < <(bh inspect --type image --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}' "$IMAGE-full")
    out=$(bh run --isolation chroot -v "$TMPVOL:/tmp" "$FULL_CTR" -- "${FULL_EP[@]}" --version 2>&1); rc=$?
    bh rm "$FULL_CTR" >/dev/null 2>&1
    log "      | $out"
    [ $rc = 0 ] && r=ok || r=no; check "full: image built by the Dockerfile's Maven stage runs --version" $r
  else
    tail -20 "$WORK/bud-full.log"
    check "full: buildah bud of the default target" no
  fi
fi

END=$(date +%s)
log "time: base $((BASE_DONE - START)) s, image $((IMAGE_DONE - BASE_DONE)) s, runs $((END - IMAGE_DONE)) s, total $((END - START)) s"
if [ "$failures" -gt 0 ]; then
  log "image-check: $failures check(s) FAILED"
  exit 1
fi
log "image-check: all checks passed"
