# events-has-embedding — the two commands that matter: `make demo` and `make test`.
MVN ?= mvn -B -ntp
JAR := target/events-has-embedding.jar

.PHONY: help build test rollback-test demo bench image image-check clean

help:
	@echo "make demo           run the whole rollout on an embedded PostgreSQL (no Docker needed); DESIGN=pending-table for the second design, PARTITIONED=1 on partitioned tables"
	@echo "make test           every test on a real PostgreSQL 17 (PG_TEST_URL, else Testcontainers, else embedded),"
	@echo "                     the server-facing ones again on 14 (PG_TEST_VERSION), and squawk over the changelog"
	@echo "make rollback-test  apply, roll back every changeSet, apply again, for both designs; compare catalogs and rows"
	@echo "make build          the runnable jar at $(JAR)"
	@echo "make bench          production-scale benchmarks: the three designs side by side and the backfill strategies; writes BENCHMARKS.md"
	@echo "make image          container image (docker if an engine answers, else buildah)"
	@echo "make image-check    build the image from a local Debian base and run it against a loopback PostgreSQL"

build: $(JAR)

$(JAR): pom.xml $(shell find src/main changelog -type f 2>/dev/null)
	$(MVN) -q package -DskipTests

test:
	$(MVN) verify

# The demo class lives with the tests (it uses the test data generator and the embedded PostgreSQL);
# it runs the commands through the shipped jar. DEMO_EVENTS=N changes the size (default 200000);
# DESIGN=pending-table narrates the second design; PARTITIONED=1 (either design) runs on partitioned tables, with a
# retention step in the pending-table design.
demo: $(JAR)
	$(MVN) -q test-compile exec:java -Dexec.mainClass=io.ehe.demo.Demo -Dexec.classpathScope=test \
	  -Dexec.cleanupDaemonThreads=false $(if $(DEMO_EVENTS),-Ddemo.events=$(DEMO_EVENTS)) $(if $(DESIGN),-Ddemo.design=$(DESIGN)) \
	  $(if $(PARTITIONED),-Ddemo.partitioned=true)

rollback-test:
	$(MVN) test -Dtest='RollbackRoundTripTest' -Dsurefire.failIfNoSpecifiedTests=false

image:
	scripts/build-image.sh

image-check: build
	scripts/image-check.sh

clean:
	$(MVN) -q clean

# Production-scale benchmarks (not part of `make test`): writes BENCHMARKS.md, docs/design-queries.svg and
# docs/backfill-progress.svg (and docs/queue-churn.svg). Full run about 40 minutes on 2 cores, plus about
# 25 for the work queue (issue 27: its churn runs 20 minutes, --queue-churn-minutes M). Quick variant:
# make bench BENCH_ARGS='--scale 0.1 --repeats 1 --rollout-repeats 1 --query-repeats 5 --write-rounds 5 --queue-seconds 5 --queue-churn-minutes 1'
# Just the high-watermark part (issue 20): BENCH_ARGS='--high-watermark-only'; just the work queue: '--queue-only'. On a restored copy of your own database
# (refused unless it is one; it leaves the copy as it found it): BENCH_ARGS='--target-url URL --i-know-this-is-a-disposable-copy'.
BENCH_ARGS ?=
bench:
	$(MVN) -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.ehe.bench.Bench -Dexec.args="$(BENCH_ARGS)" -Dexec.cleanupDaemonThreads=false
