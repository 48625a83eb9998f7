# Panda — make run (set up, build, serve), make test, make bench.
SWIFT ?= swift
CONFIG ?= config/panda.json

.PHONY: run build setup setup-test test unit-test bench demo clean

setup:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

build: setup
	$(SWIFT) build -c release --product panda

run: build
	scripts/start-dockerd.sh >/dev/null
	.build/release/panda serve --config $(CONFIG)

test: setup-test
	scripts/run-tests.sh

# The tests that need no Docker Engine, moto or registry, for quick checks (about a minute).
# The suites below do; a suite that starts one of them without being listed here fails
# under unit-test with a message saying so (Tests/Support/UnitTestRun.swift).
UNIT_TEST_SKIP = FixtureTests/(Docker|Registry)|ECSStandInTests|BuildAndPushStageTests|BlueGreenStageTests|EndToEndTests|AWSConnectionAPITests|InputAndLimitsBinaryTests/aBranchOtherThanTheConnectionsIsVerifiedWithGitHub
unit-test:
	$(SWIFT) build --build-tests
	PANDA_UNIT_TESTS_ONLY=1 $(SWIFT) test --skip-build --skip '$(UNIT_TEST_SKIP)'

bench: setup-test
	$(SWIFT) build -c release --product http-probe-server
	bash bench/run.sh
	$(SWIFT) build -c release --product panda
	$(SWIFT) build -c release --product panda-demo-fixtures
	bash bench/orchestration/run.sh
	$(SWIFT) build -c release --product panda-storage-bench
	.build/release/panda-storage-bench

# Panda end to end on this machine, no AWS account: fixtures + panda + curl (see README).
demo: setup-test
	$(SWIFT) build -c release --product panda
	$(SWIFT) build -c release --product panda-demo-fixtures
	scripts/demo.sh

clean:
	rm -rf .build vendor
