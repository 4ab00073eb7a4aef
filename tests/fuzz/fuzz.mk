# tests/fuzz/fuzz.mk - libFuzzer targets (included by the Makefile; see tests/fuzz/README).
# Every tests/fuzz/fuzz_NAME.c is a target build/fuzz/fuzz_NAME, linked with the
# userspace sources (an archive: only what the target uses is pulled in) built with
# clang's -fsanitize=fuzzer,address,undefined. `make test-fuzz` runs each briefly on
# its seed corpus tests/fuzz/corpus/NAME (part of `make test`); `make fuzz` runs each
# for FUZZ_SECONDS (default 600) and keeps what it finds in build/fuzz/corpus/NAME.

FUZZ_DIR := $(OUTPUT)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter -Werror \
	-std=gnu11 -D_GNU_SOURCE -Iinclude -Iuserspace -I$(OUTPUT) -DINPUTTRACE_VERSION='"$(VERSION)"' \
	$(shell pkg-config --cflags libevdev 2>/dev/null)
FUZZ_SRCS := $(filter-out userspace/main.c,$(wildcard userspace/*.c))
FUZZ_OBJS := $(patsubst userspace/%.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: test-fuzz fuzz

$(FUZZ_DIR)/obj/%.o: userspace/%.c $(wildcard userspace/*.h) $(wildcard include/*.h) \
		$(OUTPUT)/inputtrace.skel.h $(OUTPUT)/tools.skel.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FOCUS_CFLAGS) -Ibpf $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/libinputtrace.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/unit/json_check.h \
		$(FUZZ_DIR)/libinputtrace.a
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer $< $(FUZZ_DIR)/libinputtrace.a \
		-o $@ $(LDLIBS) -lcap-ng

test-fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_DIR)

fuzz: $(FUZZ_BINS)
	@FUZZ_LONG=1 FUZZ_SECONDS=$(or $(FUZZ_SECONDS),600) tests/fuzz/run.sh $(FUZZ_DIR)
