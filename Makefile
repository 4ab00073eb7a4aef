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

# CFLAGS is the caller's (make CFLAGS='-O1 -fsanitize=address'); what the build
# needs is in ALL_CFLAGS, before it, so that a CFLAGS given on the command line
# keeps it and may still override a warning flag
CFLAGS ?= -O2 -g
ALL_CFLAGS := -Wall -Wextra -Wno-unused-parameter -Werror -std=gnu11 -D_GNU_SOURCE \
	-Iinclude -I$(OUTPUT) -DINPUTTRACE_VERSION='"$(VERSION)"' \
	$(shell pkg-config --cflags libevdev 2>/dev/null) $(CFLAGS)
LDLIBS += -lbpf -lelf -lz -lm $(shell pkg-config --libs libevdev 2>/dev/null || echo -levdev) -lcap-ng -lrdkafka -lpthread
# participation (issue 11): sd-bus for logind, libcrypto for the subjects' HMAC
LDLIBS += $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd) -lcrypto
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -Iinclude -Ibpf \
	$(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))
# every object and binary also writes what it included (OBJ.d), read back below
DEPFLAGS = -MMD -MP -MF $@.d

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean test test-kafka test-session test-focus test-unit test-bpf test-bpf-capture test-bpf-redact test-cli test-ops test-output test-features test-vm vm demo install deps bench

# Every userspace/*.c but main.c, compiled once into $(OUTPUT)/libinputtrace.a and
# linked into the agent, the unit, BPF and output tests and the benchmark: a new
# module is a new file, not a Makefile edit.
LIB_SRCS := $(filter-out userspace/main.c,$(wildcard userspace/*.c))
LIB_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/obj/%.o,$(LIB_SRCS))
LIB := $(OUTPUT)/libinputtrace.a

all: $(OUTPUT)/inputtrace

$(OUTPUT):
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/obj/%.o: userspace/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(FOCUS_CFLAGS) -Ibpf $(DEPFLAGS) -c $< -o $@

# the objects that include a generated skeleton (later builds know it from OBJ.d)
$(OUTPUT)/obj/capture.o: $(OUTPUT)/inputtrace.skel.h

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/inputtrace: userspace/main.c $(LIB)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $< $(LIB) -o $@ $(FOCUS_LIBS) $(LDLIBS)

# --- tests -------------------------------------------------------------------------
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Iuserspace $< $(LIB) -o $@ $(LDLIBS) -lcmocka

# tests/bpf/test_X.c -> build/tests/bpf_X, each run by test-bpf-X and all by test-bpf
BPF_TESTS := $(patsubst tests/bpf/test_%.c,$(OUTPUT)/tests/bpf_%,$(wildcard tests/bpf/test_*.c))

$(OUTPUT)/tests/bpf_%: tests/bpf/test_%.c $(OUTPUT)/inputtrace_test.skel.h $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Iuserspace -Ibpf $< $(LIB) -o $@ $(LDLIBS) -lcmocka

# The focus modules (issue 12, docs/context.md): focusctx.c is pure (the agent's side),
# the helper's files need AT-SPI, GLib and xcb (compiled into the library with their
# headers; linked only where the helper is). tools.c needs its own skeleton.
FOCUS_PKGS := atspi-2 gobject-2.0 xcb
FOCUS_CFLAGS := $(shell pkg-config --cflags $(FOCUS_PKGS) 2>/dev/null)
FOCUS_LIBS := $(shell pkg-config --libs $(FOCUS_PKGS) 2>/dev/null)

$(OUTPUT)/obj/tools.o: $(OUTPUT)/tools.skel.h
$(OUTPUT)/tools.bpf.o: bpf/tools.h

# The focus helper alone (tests/focus/helper.c calls it_focus_main), for test-focus
$(OUTPUT)/tests/focus_helper: tests/focus/helper.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(FOCUS_CFLAGS) $(DEPFLAGS) -Iuserspace $< $(LIB) -o $@ $(FOCUS_LIBS) $(LDLIBS)

$(OUTPUT)/tests/focus_ctxdriver: tests/focus/ctxdriver.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Iuserspace $< $(LIB) -o $@ $(LDLIBS)

# The helper on a real X server (Xvfb, openbox) with AT-SPI and GTK applications,
# focus switched by xdotool: tests/focus/run.sh (about 30 s, no VM)
test-focus: $(OUTPUT)/tests/focus_helper $(OUTPUT)/tests/focus_ctxdriver
	@tests/focus/run.sh $(OUTPUT)/tests/focus_helper $(OUTPUT)/tests/focus_ctxdriver

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

# `inputtrace features` (docs/features.md) on a written-out capture: plain, gzip, stdin,
# rotated directories, usage errors; pandas and DuckDB read the tables
test-features: $(OUTPUT)/inputtrace
	@tests/features/run.sh $(OUTPUT)/inputtrace

# Output files (userspace/sink.c): the agent's output path driven by a synthetic
# producer (tests/output/driver.c), since host tests cannot attach: gzip, kill -9,
# disk full on a small tmpfs, rotation, retention, SIGHUP, permissions, CSV.
$(OUTPUT)/tests/output_driver: tests/output/driver.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Iuserspace $< $(LIB) -o $@ $(LDLIBS)

test-output: $(OUTPUT)/tests/output_driver
	@tests/output/run.sh $(OUTPUT)/tests/output_driver

# --- Kafka delivery (docs/kafka.md): librdkafka's mock cluster, kcat as the consumer.
# The modules are in the library; its unit tests and --kafka-config's fuzz target are
# picked up by test-unit and test-fuzz like every other.
$(OUTPUT)/tests/kafka_%: tests/kafka/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Iuserspace $< $(LIB) -o $@ $(LDLIBS)

test-kafka: $(OUTPUT)/inputtrace $(OUTPUT)/tests/kafka_driver $(OUTPUT)/tests/kafka_mock_cluster
	@tests/kafka/run.sh $(OUTPUT)

# Sessions from logind: userspace/logind.c against python3-dbusmock's logind template on
# a private dbus-daemon (tests/session/run.py): the exact state sequence and the delay.
$(OUTPUT)/tests/logind_watch: tests/session/logind_watch.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Iuserspace $< $(LIB) -o $@ $(LDLIBS)

test-session: $(OUTPUT)/tests/logind_watch
	@/usr/bin/python3 tests/session/run.py $(OUTPUT)/tests/logind_watch

vm:
	$(Q)scripts/vm/fetch-kernel.sh >/dev/null
	$(Q)scripts/vm/build-initramfs.sh >/dev/null

test-vm: $(OUTPUT)/inputtrace $(OUTPUT)/tests/kafka_mock_cluster vm
	@tests/vm/run.sh

# Every test: what CI runs (.ci/run) and what the README gives. Installs what is
# missing first (Debian packages, the VM's kernel), so it works on a fresh machine.
test:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory all vm
	@tests/run-all.sh

demo:
	@IT_DEPS_NO_NPM=1 scripts/install-deps.sh
	@$(MAKE) --no-print-directory all vm
	@scripts/demo.sh

# Benchmark (bench/run.py): prints a table, writes bench/results.json. Never fails on
# a time; a part that cannot run here is reported as missing.
$(OUTPUT)/bench/itbench: bench/itbench.c $(OUTPUT)/bench.skel.h $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Iuserspace $< $(LIB) -o $@ $(LDLIBS) -lpthread

bench:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory all vm $(OUTPUT)/bench/itbench $(OUTPUT)/tests/kafka_driver \
		$(OUTPUT)/tests/kafka_mock_cluster
	@python3 bench/run.py

deps:
	scripts/install-deps.sh

UNITDIR ?= /lib/systemd/system
# the focus helper, in each graphical session (docs/context.md)
USERUNITDIR ?= /usr/lib/systemd/user
XDGAUTOSTARTDIR ?= /etc/xdg/autostart

install: $(OUTPUT)/inputtrace
	install -D -m 0755 $(OUTPUT)/inputtrace $(DESTDIR)$(PREFIX)/sbin/inputtrace
	install -D -m 0644 scripts/inputtrace.8 $(DESTDIR)$(PREFIX)/share/man/man8/inputtrace.8
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' scripts/inputtrace.service > $(DESTDIR)$(UNITDIR)/inputtrace.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/inputtrace.service
	install -d $(DESTDIR)$(USERUNITDIR) $(DESTDIR)$(XDGAUTOSTARTDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' scripts/inputtrace-focus.service > $(DESTDIR)$(USERUNITDIR)/inputtrace-focus.service
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' scripts/inputtrace-focus.desktop > $(DESTDIR)$(XDGAUTOSTARTDIR)/inputtrace-focus.desktop
	chmod 0644 $(DESTDIR)$(USERUNITDIR)/inputtrace-focus.service $(DESTDIR)$(XDGAUTOSTARTDIR)/inputtrace-focus.desktop

clean:
	rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/obj/*.d $(OUTPUT)/tests/*.d $(OUTPUT)/bench/*.d)
# sanitizer and fuzz suites (test-asan, test-fuzz, fuzz)
include tests/sanitize/sanitize.mk tests/fuzz/fuzz.mk
