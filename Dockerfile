#
# events-has-embedding: the CLI (migrate, rollback, status, backfill, verify) in a JRE-only image.
#
#   docker build -t events-has-embedding .                         # Maven build stage, then runtime
#   docker build --target runtime-prebuilt -t events-has-embedding . # runtime from target/*.jar (make build)
#
# Base images are build args so a mirror or a locally made base can stand in (make image-check does).
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

# ---------------------------------------------------------------------------------------------
# Build stage: the shaded jar (dependencies and changelog packed inside).
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml ./
COPY src/main ./src/main
COPY changelog ./changelog
# The Maven repository is a build cache (BuildKit, buildah), not a layer: the image never holds it.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -q package -Dmaven.test.skip=true \
 && cp target/events-has-embedding.jar /events-has-embedding.jar

# ---------------------------------------------------------------------------------------------
# Runtime base: JRE only, no shell work needed at run time, no writes outside /tmp.
FROM ${RUNTIME_IMAGE} AS runtime-base
ARG APP_UID=10001
# scripts/build-image.sh passes the pom's version, `git rev-parse HEAD` (with -dirty when the work tree
# has changes) and the origin's https URL without credentials; a bare `docker build` leaves "unknown".
ARG VERSION=unknown
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="events-has-embedding" \
      org.opencontainers.image.description="Adds and maintains events.has_embedding safely on a live PostgreSQL (migrate, backfill, status, verify, rollback)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
# HOME and user.home point at /tmp: the numeric user has no passwd entry and no home directory, and
# the root filesystem is read-only in the chart (/tmp is an emptyDir there, a tmpfs with docker --read-only).
ENV HOME=/tmp \
    LOG_FORMAT=text \
    LIQUIBASE_ANALYTICS_ENABLED=false
WORKDIR /app
VOLUME ["/tmp"]
USER ${APP_UID}:${APP_UID}
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData", "-Djava.io.tmpdir=/tmp", "-Duser.home=/tmp", "-Dliquibase.analytics.enabled=false", "-jar", "/app/events-has-embedding.jar"]
CMD ["migrate"]

# ---------------------------------------------------------------------------------------------
# Runtime from a jar built outside (make build): no Maven, no network. Used by make image-check.
FROM runtime-base AS runtime-prebuilt
COPY target/events-has-embedding.jar /app/events-has-embedding.jar

# ---------------------------------------------------------------------------------------------
# Default target: runtime with the jar from the build stage.
FROM runtime-base AS runtime
COPY --from=build /events-has-embedding.jar /app/events-has-embedding.jar
