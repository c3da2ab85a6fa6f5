#!/usr/bin/env bash
# make image: builds the container image with docker when a Docker engine answers, else with buildah.
#
#   IMAGE=events-has-embedding:dev scripts/build-image.sh
#   TARGET=runtime-prebuilt scripts/build-image.sh     # from target/events-has-embedding.jar (make build)
#
# Extra build args pass through BUILD_ARGS, e.g. BUILD_ARGS="--build-arg RUNTIME_IMAGE=my.mirror/temurin:17-jre".
# The OCI labels get VERSION (the pom's project version), REVISION (git rev-parse HEAD, "-dirty" when the
# work tree has changes) and SOURCE (the origin's https URL, credentials removed); each can be set instead.
# DRY_RUN=1 prints the build command and builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${IMAGE:-events-has-embedding:latest}"
TARGET="${TARGET:-runtime}"
# The project's own <version>: the first one indented as a child of <project> (the parent and plugins are deeper).
VERSION="${VERSION:-$(sed -n 's|^  <version>\(.*\)</version>[[:space:]]*$|\1|p' pom.xml | head -n 1)}"
if [ -z "${REVISION:-}" ]; then
  REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
  if [ "$REVISION" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    REVISION="$REVISION-dirty"
  fi
fi
if [ -z "${SOURCE:-}" ]; then
  SOURCE=$(git config --get remote.origin.url 2>/dev/null || true)
  case "$SOURCE" in
    https://*) SOURCE=$(printf '%s' "$SOURCE" | sed -E 's|^https://[^/@]*@|https://|; s|\.git$||') ;;
    *) SOURCE="" ;;  # ssh or file remotes say nothing a label reader could open
  esac
fi
# shellcheck disable=SC2206
EXTRA=(--build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "SOURCE=$SOURCE" ${BUILD_ARGS:-})

if [ "${DRY_RUN:-0}" = 1 ]; then
  echo "image: build --target $TARGET -t $IMAGE ${EXTRA[*]} ."
  exit 0
fi

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  echo "image: docker build --target $TARGET -t $IMAGE ."
  exec docker build --target "$TARGET" -t "$IMAGE" "${EXTRA[@]}" .
fi

if ! command -v buildah >/dev/null 2>&1; then
  echo "image: no Docker engine answers and buildah is not installed (Debian: apt-get install buildah)" >&2
  exit 1
fi

# Without an engine this is usually a CI box or a container: chroot isolation and the vfs driver
# need no user namespaces, overlay or cgroups. Both can be overridden the usual buildah way.
ISOLATION="${BUILDAH_ISOLATION:-chroot}"
DRIVER="${STORAGE_DRIVER:-vfs}"
echo "image: buildah bud --isolation $ISOLATION --storage-driver $DRIVER --target $TARGET -t $IMAGE ."
exec buildah --storage-driver "$DRIVER" bud --isolation "$ISOLATION" --layers --target "$TARGET" -t "$IMAGE" "${EXTRA[@]}" .
