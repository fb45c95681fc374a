# vstream: the make targets README.md describes (Quick start, Building, Tests,
# Benchmarks, Deploying on AWS).
# Every target installs what it needs (deploy/deps.sh is quick when all is there).

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
PROVE_JOBS ?= 2

export VSTREAM_TOP := $(TOP)

.PHONY: all deps module module-asan vstreamctl tools test test-module test-asan \
        test-terraform test-ansible test-fuzz demo bench inventory deploy destroy clean

all: module vstreamctl

deps:
	@deploy/deps.sh --sources

# The module for the installed Debian nginx: build/ngx_vstream_module.so.
module: deps
	@deploy/build-module.sh

# The same module built with ASan and UBSan: build/asan/ngx_vstream_module.so.
module-asan: deps
	@deploy/build-module.sh --asan

vstreamctl: deps
	@$(MAKE) --no-print-directory -C vstreamctl BUILD=$(BUILD)

# Small tools the tests and benchmarks use (tools/: the light RTMP publisher,
# the hostile RTMP client, the sample FLV).
tools: deps
	@$(MAKE) --no-print-directory -C tools BUILD=$(BUILD)

test: deps
	@$(MAKE) --no-print-directory module vstreamctl tools
	@$(MAKE) --no-print-directory test-module test-asan test-fuzz test-terraform test-ansible
	@echo "make test: all suites passed"

test-module: module vstreamctl tools
	prove -j$(PROVE_JOBS) t/

# the tests that load the module, with it built with ASan and UBSan
test-asan: module-asan vstreamctl tools
	VSTREAM_ASAN=1 prove -j$(PROVE_JOBS) t/2*.t t/3*.t t/4[15-9]-*.t t/5[12]-*.t t/6[34]-*.t

test-fuzz: deps
	@deploy/fuzz.sh

test-terraform:
	@terraform/tests/run.sh

test-ansible: module
	@ansible/tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory module vstreamctl
	@deploy/demo.sh

bench: deps
	@$(MAKE) --no-print-directory module tools
	@bench/run.sh

inventory:
	@deploy/aws.sh inventory

deploy:
	@deploy/aws.sh deploy

destroy:
	@deploy/aws.sh destroy

clean:
	rm -rf $(BUILD) objs
