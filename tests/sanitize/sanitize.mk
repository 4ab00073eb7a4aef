# tests/sanitize/sanitize.mk - the unit and output tests again, built with
# AddressSanitizer and UndefinedBehaviorSanitizer into $(OUTPUT)/asan (included by the
# Makefile). -O2 as the normal build: at -O1 GCC warns (-Werror) where -O2 does not.
SAN_CFLAGS := -O2 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: test-asan

test-asan:
	@SAN_CFLAGS='$(SAN_CFLAGS)' tests/sanitize/run.sh $(OUTPUT)/asan
