# SPDX-License-Identifier: GPL-2.0
#
# kiwi top-level Makefile.
#
#   make                 build kiwi.ko (and the provider) for KDIR
#   make check           sparse (C=2) and checkpatch over the driver
#   make test            the whole test suite (unit tests + VM tests)
#   make test-interop    the full kiwi <-> siw interop matrix, both topologies
#   make bench           benchmarks in the VM: kiwi vs siw vs TCP
#   make fuzz            run every libFuzzer target for FUZZ_SECONDS each
#   make install         module into $(DESTDIR)/lib/modules/<kver>/extra,
#                        provider into the libibverbs directory
#
# Which kernel: KDIR=<headers> if given; else KERNEL=<name> (stock-6.1,
# debug-6.12) from the cache; else the running kernel's headers if they are
# installed; else Debian 12's stock 6.1, fetched into ~/.cache/kiwi.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KIWI_VERSION := $(shell git -C $(TOP) describe --always --dirty 2>/dev/null || echo 0.1)

# Only targets that build against a kernel need one resolved.
NO_KDIR_GOALS := clean help test test-unit test-vm bench fuzz checkpatch \
	provider install-provider
ifneq ($(filter-out $(NO_KDIR_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(KDIR),)
  ifeq ($(KERNEL),)
    HOST_KDIR := /lib/modules/$(shell uname -r)/build
    ifneq ($(wildcard $(HOST_KDIR)/Makefile),)
      KDIR := $(HOST_KDIR)
    else
      KERNEL := stock-6.1
    endif
  endif
  ifneq ($(KERNEL),)
    KDIR := $(shell $(TOP)/scripts/kernel-env.sh $(KERNEL) KDIR)
    ifeq ($(KDIR),)
      $(error could not provide kernel $(KERNEL))
    endif
  endif
endif
KVER := $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
ifeq ($(KVER),)
  $(error $(KDIR) does not look like a configured kernel tree)
endif
endif

# Kbuild writes objects next to the sources; build in a per-kernel tree of
# symlinks so that several kernels can be built from one checkout.
KBUILD_DIR := $(TOP)/build/kmod/$(KVER)
KMAKE := $(MAKE) -C $(KDIR) M=$(KBUILD_DIR) KIWI_VERSION=$(KIWI_VERSION)

.PHONY: all modules kbuild-tree provider check sparse checkpatch test \
	test-unit test-vm bench fuzz install install-module install-provider \
	uninstall clean help

all: modules provider

kbuild-tree:
	@mkdir -p $(KBUILD_DIR)/tests/wire
	@cp -rs --remove-destination $(TOP)/Kbuild $(TOP)/drivers $(TOP)/include \
		$(KBUILD_DIR)/
	@cp -rs --remove-destination $(TOP)/tests/kunit $(KBUILD_DIR)/tests/
	@cp -rs --remove-destination $(TOP)/tests/wire/vectors \
		$(KBUILD_DIR)/tests/wire/
	@find $(KBUILD_DIR) -xtype l -delete

modules: kbuild-tree
	$(KMAKE) modules
	@echo "kiwi.ko for $(KVER): $(KBUILD_DIR)/drivers/kiwi/kiwi.ko"
	@if [ -f $(KBUILD_DIR)/tests/kunit/kiwi_kunit.ko ]; then \
		echo "kiwi_kunit.ko: $(KBUILD_DIR)/tests/kunit/kiwi_kunit.ko"; fi

provider:
	@if [ -f $(TOP)/userspace/Makefile ]; then \
		$(MAKE) -C $(TOP)/userspace; fi

sparse: kbuild-tree
	@$(TOP)/scripts/need-pkgs.sh sparse
	$(KMAKE) C=2 modules 2>&1 | tee $(KBUILD_DIR)/sparse.log
	@! grep -E 'warning:|error:' $(KBUILD_DIR)/sparse.log | grep -v 'BTF' || \
		{ echo "sparse: warnings above"; exit 1; }

checkpatch:
	$(TOP)/scripts/checkpatch.sh

check: sparse checkpatch

test:
	$(TOP)/tests/run.sh

test-unit:
	$(TOP)/tests/run.sh unit

test-vm:
	$(TOP)/tests/run.sh vm

test-interop:
	$(TOP)/tests/run.sh interop

bench:
	$(TOP)/tests/bench/run.sh

FUZZ_SECONDS ?= 600
fuzz:
	$(TOP)/tests/wire/fuzz.sh $(FUZZ_SECONDS)

install: install-module install-provider

install-module: modules
	$(KMAKE) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=extra \
		DEPMOD=/bin/true modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

install-provider:
	@if [ -f $(TOP)/userspace/Makefile ]; then \
		$(MAKE) -C $(TOP)/userspace install DESTDIR=$(DESTDIR); fi

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/kiwi.ko
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	@if [ -f $(TOP)/userspace/Makefile ]; then \
		$(MAKE) -C $(TOP)/userspace uninstall DESTDIR=$(DESTDIR); fi

clean:
	rm -rf $(TOP)/build
	@if [ -f $(TOP)/userspace/Makefile ]; then \
		$(MAKE) -C $(TOP)/userspace clean; fi

help:
	@sed -n '3,17p' $(TOP)/Makefile
