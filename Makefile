# inputtrace - eBPF input event capture agent.
# `make` builds build/inputtrace; `make test` runs every test; `make demo` boots the
# test VM and captures a replayed real recording. V=1 shows the commands.

OUTPUT ?= build
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= gcc
PREFIX ?= /usr/local
VERSION := 0.1.0

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' \
	-e 's/riscv64/riscv/' -e 's/s390x/s390/' -e 's/loongarch64/loongarch/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -Werror -std=gnu11 -D_GNU_SOURCE \
	-Iinclude -I$(OUTPUT) -DINPUTTRACE_VERSION='"$(VERSION)"' \
	$(shell pkg-config --cflags libevdev 2>/dev/null)
LDLIBS += -lbpf -lelf -lz $(shell pkg-config --libs libevdev 2>/dev/null || echo -levdev)
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -Iinclude -Ibpf \
	$(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean test test-unit test-bpf test-bpf-capture test-bpf-redact test-cli test-ops test-output test-vm vm demo install deps bench

COMMON_SRCS := userspace/cli.c userspace/filter.c userspace/json.c userspace/sysfs.c \
	userspace/output.c userspace/names.c userspace/keys.c userspace/sink.c userspace/collector.c \
	userspace/header.c userspace/format_csv.c userspace/format_evemu.c \
	userspace/pin.c userspace/ctl.c userspace/metrics.c userspace/control.c userspace/finish.c \
	userspace/log.c
AGENT_SRCS := userspace/main.c userspace/capture.c userspace/ops.c userspace/privdrop.c \
	$(COMMON_SRCS)
BPF_HDRS := include/inputtrace.h include/keyclass.h bpf/capture.bpf.h bpf/input_core.h \
	bpf/inputtrace_test.h

all: $(OUTPUT)/inputtrace

$(OUTPUT):
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/inputtrace: $(AGENT_SRCS) $(wildcard userspace/*.h) $(wildcard include/*.h) \
		$(OUTPUT)/inputtrace.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(AGENT_SRCS) -o $@ $(LDLIBS) -lcap-ng

# --- tests -------------------------------------------------------------------------
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(COMMON_SRCS) $(wildcard userspace/*.h) \
		$(wildcard include/*.h) $(wildcard tests/unit/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iuserspace $< $(COMMON_SRCS) -o $@ $(LDLIBS) -lcmocka

# tests/bpf/test_X.c -> build/tests/bpf_X, each run by test-bpf-X and all by test-bpf
BPF_TESTS := $(patsubst tests/bpf/test_%.c,$(OUTPUT)/tests/bpf_%,$(wildcard tests/bpf/test_*.c))

$(OUTPUT)/tests/bpf_%: tests/bpf/test_%.c $(OUTPUT)/inputtrace_test.skel.h \
		$(COMMON_SRCS) $(wildcard userspace/*.h) $(wildcard include/*.h) bpf/inputtrace_test.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iuserspace -Ibpf $< $(COMMON_SRCS) -o $@ $(LDLIBS) -lcmocka

# The focus modules (issue 12, docs/context.md): focusctx.c is pure (the agent's side),
# the helper's files need AT-SPI, GLib and xcb. Their unit tests build from their own
# sources, not COMMON_SRCS.
FOCUS_PKGS := atspi-2 gobject-2.0 xcb
FOCUS_CFLAGS := $(shell pkg-config --cflags $(FOCUS_PKGS) 2>/dev/null)
FOCUS_LIBS := $(shell pkg-config --libs $(FOCUS_PKGS) 2>/dev/null)
FOCUS_SRCS := userspace/focus.c userspace/focus_atspi.c userspace/focus_x11.c \
	userspace/focus_app.c userspace/focus_report.c userspace/focusctx.c

$(OUTPUT)/tests/test_focusctx: tests/unit/test_focusctx.c userspace/focusctx.c userspace/focusctx.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iuserspace $< userspace/focusctx.c -o $@ -lcmocka

$(OUTPUT)/tests/test_focushelper: tests/unit/test_focushelper.c userspace/focus_app.c \
		userspace/focus_report.c userspace/focusctx.c userspace/log.c userspace/focus.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iuserspace $< userspace/focus_app.c userspace/focus_report.c \
		userspace/focusctx.c userspace/log.c -o $@ -lcmocka

# The focus helper alone (tests/focus/helper.c calls it_focus_main), for test-focus
$(OUTPUT)/tests/focus_helper: tests/focus/helper.c $(FOCUS_SRCS) userspace/log.c \
		userspace/focus.h userspace/focusctx.h userspace/log.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(FOCUS_CFLAGS) -Iuserspace $< $(FOCUS_SRCS) userspace/log.c -o $@ $(FOCUS_LIBS)

$(OUTPUT)/tests/focus_ctxdriver: tests/focus/ctxdriver.c userspace/focusctx.c userspace/focusctx.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iuserspace $< userspace/focusctx.c -o $@

# The helper on a real X server (Xvfb, openbox) with AT-SPI and GTK applications,
# focus switched by xdotool: tests/focus/run.sh (about 30 s, no VM)
test-focus: $(OUTPUT)/tests/focus_helper $(OUTPUT)/tests/focus_ctxdriver
	@tests/focus/run.sh $(OUTPUT)/tests/focus_helper $(OUTPUT)/tests/focus_ctxdriver

# libFuzzer on the focus report parser and decisions; a copy of the seed corpus grows
# in build/fuzz/focus-corpus. FUZZ_TIME: seconds (default 30).
.PHONY: fuzz-focus test-focus
FUZZ_TIME ?= 30
$(OUTPUT)/fuzz/fuzz_focus: tests/fuzz/fuzz_focus.c userspace/focusctx.c userspace/focusctx.h
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-D_GNU_SOURCE -Iuserspace $< userspace/focusctx.c -o $@

fuzz-focus: $(OUTPUT)/fuzz/fuzz_focus
	@mkdir -p $(OUTPUT)/fuzz/focus-corpus
	@$< -max_total_time=$(FUZZ_TIME) -max_len=256 $(OUTPUT)/fuzz/focus-corpus tests/fuzz/corpus/focus

# Tool activity (bpf/tools.bpf.c: its own object and skeleton, userspace/tools.c)
$(OUTPUT)/tools.bpf.o: bpf/tools.h
$(OUTPUT)/tests/bpf_tools: tests/bpf/test_tools.c userspace/tools.c userspace/tools_user.h \
		bpf/tools.h $(OUTPUT)/tools.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iuserspace -Ibpf $< userspace/tools.c -o $@ -lbpf -lelf -lz -lcmocka

test-unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

test-bpf: $(BPF_TESTS)
	@rc=0; for t in $(BPF_TESTS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

test-bpf-capture: $(OUTPUT)/tests/bpf_capture
	@echo "== $<"; $<

test-bpf-redact: $(OUTPUT)/tests/bpf_redact
	@echo "== $<"; $<

test-cli: $(OUTPUT)/inputtrace
	@tests/cli/run.sh $(OUTPUT)/inputtrace

test-ops: $(OUTPUT)/inputtrace
	@tests/ops/run.sh $(OUTPUT)/inputtrace

# Output files (userspace/sink.c): the agent's output path driven by a synthetic
# producer (tests/output/driver.c), since host tests cannot attach: gzip, kill -9,
# disk full on a small tmpfs, rotation, retention, SIGHUP, permissions, CSV.
$(OUTPUT)/tests/output_driver: tests/output/driver.c $(COMMON_SRCS) $(wildcard userspace/*.h) \
		$(wildcard include/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iuserspace $< $(COMMON_SRCS) -o $@ $(LDLIBS)

test-output: $(OUTPUT)/tests/output_driver
	@tests/output/run.sh $(OUTPUT)/tests/output_driver

vm:
	$(Q)scripts/vm/fetch-kernel.sh >/dev/null
	$(Q)scripts/vm/build-initramfs.sh >/dev/null

test-vm: $(OUTPUT)/inputtrace vm
	@tests/vm/run.sh

# Every test: what CI runs (.ci/run) and what the README gives. Installs what is
# missing first (Debian packages, the VM's kernel), so it works on a fresh machine.
test:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory all vm
	@tests/run-all.sh

demo:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory all vm
	@scripts/demo.sh

# Benchmark (bench/run.py): prints a table, writes bench/results.json. Never fails on
# a time; a part that cannot run here is reported as missing.
$(OUTPUT)/bench/itbench: bench/itbench.c $(OUTPUT)/bench.skel.h $(COMMON_SRCS) \
		$(wildcard userspace/*.h) $(wildcard include/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iuserspace $< $(COMMON_SRCS) -o $@ $(LDLIBS) -lpthread

bench:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory all vm $(OUTPUT)/bench/itbench
	@python3 bench/run.py

deps:
	scripts/install-deps.sh

UNITDIR ?= /lib/systemd/system

install: $(OUTPUT)/inputtrace
	install -D -m 0755 $(OUTPUT)/inputtrace $(DESTDIR)$(PREFIX)/sbin/inputtrace
	install -D -m 0644 scripts/inputtrace.8 $(DESTDIR)$(PREFIX)/share/man/man8/inputtrace.8
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' scripts/inputtrace.service > $(DESTDIR)$(UNITDIR)/inputtrace.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/inputtrace.service

clean:
	rm -rf $(OUTPUT)
