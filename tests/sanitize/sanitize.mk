# tests/sanitize/sanitize.mk - the unit and output tests again, built with
# AddressSanitizer and UndefinedBehaviorSanitizer into $(OUTPUT)/asan (included by the
# Makefile). Built with clang: GCC's separate libubsan ignores log_path next to ASan,
# so its reports would only reach stderr, which some tests keep to themselves.
SAN_CC := $(CLANG)
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: test-asan

test-asan:
	@SAN_CC='$(SAN_CC)' SAN_CFLAGS='$(SAN_CFLAGS)' tests/sanitize/run.sh $(OUTPUT)/asan
