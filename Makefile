# gameday: plain GNU make, pkg-config for every library.
.SUFFIXES:

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/gameday
LUA_PC  ?= lua5.4
CC      ?= cc
BUILD   ?= build

PKGS     = libssh2 $(LUA_PC) yaml-0.1 libarchive libgit2 libcurl jansson libcrypto readline zlib
TEST_PKGS = cmocka

# Debian packages the project needs to build, test, run the lab and benchmark.
DEB_PKGS = build-essential pkg-config libssh2-1-dev liblua5.4-dev libyaml-dev \
           libarchive-dev libcmocka-dev libgit2-dev libcurl4-openssl-dev \
           libjansson-dev libssl-dev libreadline-dev zlib1g-dev openssh-server openssh-client iproute2 \
           procps util-linux time python3 ansible-core nftables \
           libxml2-utils librsvg2-bin prometheus prometheus-alertmanager \
           prometheus-node-exporter postgresql restic borgbackup zstd
BENCH_DEB_PKGS = pssh ansible-core hyperfine

WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DGD_HAVE_READLINE $(WARNINGS) $(CFLAGS) $(EXTRA_CFLAGS) \
             $(addprefix -I,$(SRC_DIRS)) $(shell pkg-config --cflags $(PKGS))
LIBS     = $(shell pkg-config --libs $(PKGS)) -lm
TEST_LIBS = $(shell pkg-config --libs $(TEST_PKGS))

# sources by folder: every folder of runner/, then restore/ and reports/
SRC_DIRS = $(sort $(dir $(wildcard runner/*/))) restore/ reports/
MAIN     = runner/cli/main.c
SRCS     = $(filter-out $(MAIN),$(wildcard $(addsuffix *.c,$(SRC_DIRS))))
# lua/ is built into the binary (runner/engine/luasrc.h)
LUA_SRCS = $(sort $(shell find lua -name '*.lua'))
LUA_OBJ  = $(BUILD)/gen/lua_embed.o
OBJS     = $(SRCS:%.c=$(BUILD)/%.o) $(LUA_OBJ)
HDRS     = $(wildcard $(addsuffix *.h,$(SRC_DIRS)))
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

ifeq ($(V),)
Q = @
quiet = @printf '  %-6s %s\n' $(1) $(2);
else
Q =
quiet =
endif

.PHONY: all deps bench-deps test unit integration asan bench demo install clean lab-down

all: gameday

# by rename: a running ./gameday (a test, a lab) keeps its own file
gameday: $(BUILD)/gameday
	$(Q)cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/gameday: $(MAIN:%.c=$(BUILD)/%.o) $(OBJS)
	$(call quiet,LD,$@)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS) $(LDFLAGS)

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	$(call quiet,CC,$<)$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(TEST_PKGS)) -o $@ $< $(OBJS) $(LIBS) $(TEST_LIBS) $(LDFLAGS)

$(BUILD)/gen/lua_embed.c: $(LUA_SRCS) runner/engine/embed-lua.sh
	@mkdir -p $(dir $@)
	$(call quiet,GEN,$@)sh runner/engine/embed-lua.sh $(LUA_SRCS) > $@.tmp && mv -f $@.tmp $@

$(LUA_OBJ): $(BUILD)/gen/lua_embed.c runner/engine/luasrc.h
	$(call quiet,CC,$<)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# apt-get install of what is missing; a no-op when everything is there.
deps:
	@missing=$$(for p in $(DEB_PKGS) $(DEPS_EXTRA); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "deps: installing $$missing"; \
	    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all present"; fi

bench-deps:
	@$(MAKE) --no-print-directory deps DEPS_EXTRA="$(BENCH_DEB_PKGS)"

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do echo "== $$t"; $$t || fail=1; done; exit $$fail

integration: gameday
	@bash tests/integration/run.sh

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration

asan:
	@LSAN_OPTIONS=suppressions=$(CURDIR)/tests/unit/lsan.supp $(MAKE) --no-print-directory BUILD=build-asan \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" CFLAGS="-O1 -g" build-asan/gameday unit

bench: gameday bench-deps
	@bash bench/fanout
	@bash bench/verify
	@bash bench/drill

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scenarios/demo.sh

install: gameday
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/scenarios
	install -m 755 gameday $(DESTDIR)$(BINDIR)/gameday
	cp -R scenarios/. $(DESTDIR)$(DATADIR)/scenarios/

clean:
	rm -rf build build-asan gameday gameday.tmp
