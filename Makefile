# vstream: the make targets README.md describes (Quick start, Building, Tests,
# Benchmarks, Deploying on AWS).
# Every target installs what it needs and no more: deploy/deps.sh with the
# lists of deploy/packages/ named below (quick when all is there).  make test
# installs every list, and nginx's own source (t/05-build-upstream.t, the
# fuzzer's cidr target).

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
# Most tests wait on real-time publishers, not on the CPU: 4 at a time on
# the 2-core machine (3 with the sanitizers, which cost more CPU), the
# longest first so that none of them starts last.
PROVE_JOBS ?= 4
ASAN_JOBS ?= 3
SLOW_TESTS := t/64-s3-faults.t t/80-deb.t t/62-record-faults.t \
              t/61-record-retention.t t/90-demo.t t/47-faults-webhook.t \
              t/32-scale.t t/52-viewers-scale.t t/60-record.t t/70-prometheus.t
ASAN_TESTS := $(wildcard t/2*.t t/3*.t t/4[15-9]-*.t t/5[1-5]-*.t t/6[0-6]-*.t \
                         t/7[01]-*.t)

export VSTREAM_TOP := $(TOP)

.PHONY: all deps module module-asan vstreamctl tools test test-module test-asan \
        test-terraform test-ansible test-fuzz demo bench inventory deploy destroy \
        preflight tunnel clean deb deps-module deps-vstreamctl deps-tools deps-demo \
        deps-bench deps-deb deps-fuzz

all: module vstreamctl

deps:
	@deploy/deps.sh --sources

deps-module:
	@deploy/deps.sh base

deps-vstreamctl:
	@deploy/deps.sh base vstreamctl

deps-tools deps-bench:
	@deploy/deps.sh base bench

deps-demo:
	@deploy/deps.sh base vstreamctl demo

deps-deb:
	@deploy/deps.sh base vstreamctl deb

deps-fuzz:
	@deploy/deps.sh --sources base fuzz

# The module for the installed Debian nginx: build/ngx_vstream_module.so.
module: deps-module
	@deploy/build-module.sh

# The same module built with ASan and UBSan: build/asan/ngx_vstream_module.so.
module-asan: deps-module
	@deploy/build-module.sh --asan

vstreamctl: deps-vstreamctl
	@$(MAKE) --no-print-directory -C vstreamctl BUILD=$(BUILD)

# Small tools the tests and benchmarks use (tools/: the light RTMP publisher,
# the hostile RTMP client, the sample FLV).
tools: deps-tools
	@$(MAKE) --no-print-directory -C tools BUILD=$(BUILD)

test: deps
	@$(MAKE) --no-print-directory module vstreamctl tools
	@$(MAKE) --no-print-directory test-module test-asan
	@# side by side, each suite's output whole (-O): the fuzzers take a core,
	@# the Terraform plans the other in bursts, the Ansible roles mostly wait
	@$(MAKE) --no-print-directory -j3 -O test-fuzz test-terraform test-ansible
	@echo "make test: all suites passed"

# the browser test (t/90-demo.t) needs web/'s dev dependency, playwright-core
test-module: export VSTREAM_WEB_DEV = 1
test-module: deps module vstreamctl tools deb
	prove -j$(PROVE_JOBS) $(SLOW_TESTS) $(filter-out $(SLOW_TESTS),$(wildcard t/*.t))

# the tests that load the module, with it built with ASan and UBSan
test-asan: deps module-asan vstreamctl tools
	VSTREAM_ASAN=1 prove -j$(ASAN_JOBS) $(filter $(SLOW_TESTS),$(ASAN_TESTS)) \
	    $(filter-out $(SLOW_TESTS),$(ASAN_TESTS))

test-fuzz: deps-fuzz
	@deploy/fuzz.sh

test-terraform:
	@terraform/tests/run.sh

test-ansible: module
	@ansible/tests/run.sh

demo: deps-demo
	@$(MAKE) --no-print-directory module vstreamctl
	@deploy/demo.sh

bench: deps-bench
	@$(MAKE) --no-print-directory module tools
	@bench/run.sh

# build/deb/libnginx-mod-vstream_VERSION_amd64.deb and vstreamctl_VERSION_amd64.deb
# (README.md, "Debian packages").
deb: deps-deb
	@deploy/build-deb.sh

inventory:
	@deploy/aws.sh inventory

deploy:
	@deploy/aws.sh deploy

destroy:
	@deploy/aws.sh destroy

# What make deploy needs on this machine, one line for each thing missing.
preflight:
	@deploy/aws.sh preflight

# An SSH tunnel through the bastion to the frontend's dashboard and admin API.
tunnel:
	@deploy/aws.sh tunnel

clean:
	rm -rf $(BUILD) objs
