#!/usr/bin/env bash
# make image: builds the container image with docker when a Docker engine answers, else with buildah.
#
#   IMAGE=events-has-embedding:dev scripts/build-image.sh
#   TARGET=runtime-prebuilt scripts/build-image.sh     # from target/events-has-embedding.jar (make build)
#
# Extra build args pass through BUILD_ARGS, e.g. BUILD_ARGS="--build-arg RUNTIME_IMAGE=my.mirror/temurin:17-jre".
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${IMAGE:-events-has-embedding:latest}"
TARGET="${TARGET:-runtime}"
# shellcheck disable=SC2206
EXTRA=(${BUILD_ARGS:-})

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
