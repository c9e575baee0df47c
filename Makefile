# linux-ha-rs: the two commands of the README are `make demo` and `make test`.
# Tests create the runtime directories of the packages they use (a package
# installed by .ci/run with its daemon held back never makes them), and a
# check whose oracle is missing fails under CI=true: see tests/README.md.
CARGO ?= cargo
FUZZ_SECONDS ?= 10
FUZZ_TARGETS := hacf haresources authkeys ldirectord_cf hb_packet ipvs_reply syn_answer

# ldirectord-rs and the legacy ldirectord at scale, 10,000 reals in two
# shapes (500 virtuals; one virtual), 5 min each daemon and shape (needs
# nginx and ldirectord): table build time, CPU, RSS, detection latency, and
# a reload of one changed weight (time, other lines logged, CPU).
bench-ldirectord:
	$(CARGO) build --release -p ldirectord-rs
	$(CARGO) build --release -p ipvs --example ipvsadm_standin
	benches/ldirectord-scale.py --virtuals 500
	benches/ldirectord-scale.py --virtuals 1

# Failover after kill -9 (5 runs) and a 10-minute soak at 30 % heartbeat
# loss with every CPU busy, ours then the legacy, at the scripts' default
# keepalive/deadtime (the smallest ours held). The soak exits 1 on a false
# failover; the legacy's result is printed, not asserted. Heartbeats later
# than 20 ms are logged, and the longest is printed.
bench-failover:
	$(CARGO) build --release -p heartbeatd
	benches/hb-failover.sh ours
	benches/hb-failover.sh legacy

bench-loss-soak:
	$(CARGO) build --release -p heartbeatd
	LAB_WARNTIME=20ms benches/hb-loss-soak.sh ours
	-LAB_WARNTIME=20ms benches/hb-loss-soak.sh legacy

.PHONY: bench-failover bench-loss-soak deb package-test rolling-upgrade-test bench-ldirectord checks-test ocf-test pcmk-test dashboard-test dashboard-history-test demo-test hb-test install all build demo test unit lint parity fuzz-smoke fuzz-build man-check vm-initramfs vm-selftest vm-test bench bench-ipvs bench-conn-survival clean

all: build

build:
	$(CARGO) build --workspace --bins

# The seed deployment end to end (tests/demo/seed-demo.sh): client, MASTER,
# BACKUP, WEB1, WEB2 and the gateway (ipfail's ping node) in network
# namespaces inside the IPVS VM, heartbeatd and
# ldirectord-rs on the directors with the seed's own files and timings
# (about 3 min: the seed's deadtime, and so deadping, is 30 s).
demo: build vm-initramfs
	@tests/demo/seed-config.sh | head -n 3
	@tests/demo/seed-demo.sh

# The same story with short heartbeat timings, as part of `make test`.
demo-test: build vm-initramfs
	DEMO_FAST=1 tests/demo/seed-demo.sh

# Everything: style, unit and golden tests, man pages, parity with the legacy
# daemons, and a short fuzz run of every parser.
test: lint unit man-check parity hb-test checks-test vm-selftest vm-test dashboard-test demo-test package-test ocf-test pcmk-test fuzz-smoke
	@echo "make test: all suites passed"

unit:
	$(CARGO) test --workspace

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Accept/reject parity with the real heartbeat 3.0.6 and ldirectord 4.12 on
# every file in compat-configs/ (needs root and the Debian packages).
parity:
	$(CARGO) test --test legacy_parity -- --ignored --nocapture --test-threads=2

# heartbeatd pairs in network namespaces: ours/ours and mixed with the real
# heartbeat 3.0.6 in both directions, on ucast, bcast and mcast (start,
# kill -9 failover, auto_failback, graceful handover); a configuration
# reload under a 20 ms ping of the VIP (ours and mixed; legacy/legacy as
# the side-by-side figure); the native IPaddr2 (lvs_support) and IPv6addr VIPs of
# an LVS-DR pair moving with failover and failback, a client's caches
# following.
hb-test: build
	tests/hb/pair-test.sh ours ours
	tests/hb/pair-test.sh legacy ours
	tests/hb/pair-test.sh ours legacy
	tests/hb/pair-test.sh ours ours off
	tests/hb/pair-test.sh legacy ours on bcast
	tests/hb/pair-test.sh ours legacy on bcast
	tests/hb/pair-test.sh legacy ours on mcast
	tests/hb/pair-test.sh ours legacy on mcast
	tests/hb/vip-test.sh
	tests/hb/robustness-test.sh 60
	tests/hb/debian-initd-test.sh
	tests/hb/media-reopen-test.sh
	tests/hb/ipfail-test.sh
	tests/hb/reload-test.sh ours ours
	tests/hb/reload-test.sh ours legacy
	tests/hb/reload-test.sh legacy ours
	tests/hb/reload-test.sh legacy legacy

# The host kernel has no IPVS: IPVS tests boot Debian's kernel in QEMU (TCG)
# with the host root shared read-only; the initramfs is cached in target/vm/.
vm-initramfs:
	tests/vm/build-initramfs.sh

vm-selftest: vm-initramfs
	tests/vm/selftest.sh

# The IPVS client against the real kernel and ipvsadm 1.31: one VM boot runs
# the whole test binary (cargo's runner is run.sh; on a host with IPVS the
# tests run directly).
VM_RUNNER = $(CURDIR)/tests/vm/run.sh --timeout 900 --
vm-test: vm-initramfs
	CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="$(VM_RUNNER)" \
	  $(CARGO) test -p ipvs --test vm -- --ignored --test-threads=1
	CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="$(VM_RUNNER)" \
	  $(CARGO) test -p ldirectord-rs --test vm_side_by_side --test vm_director --test vm_checks_alerts -- --ignored --test-threads=1

# Issue 7's status page: the store, the bad-client and promtool tests of
# crates/lvs-dashboard, the history graphs after twenty hours of injected
# traffic in chromium (dashboard-history-test), then the page in Debian's
# headless chromium on the host against ldirectord-rs, heartbeatd and real
# IPVS in the VM (QEMU forwards a host port to the guest). Screenshots:
# target/dashboard/.
dashboard-test: build vm-initramfs
	$(CARGO) test -p lvs-dashboard -- --include-ignored
	tests/dashboard/browser-test.sh

# The history graphs alone (part of dashboard-test; no VM): the daemon's
# recording path fed by an injected clock, the page served on loopback,
# every graph's line checked in chromium's DOM and screenshots.
dashboard-history-test:
	$(CARGO) test -p lvs-dashboard --test history_browser -- --include-ignored

# Issue 8: every service check against the real server from Debian (each
# test starts its servers in a private network namespace), with the legacy
# ldirectord's verdict on the same server beside ours (ipvsadm stand-in).
checks-test:
	$(CARGO) build -p ipvs --example ipvsadm_standin
	$(CARGO) test -p lvs-check --test services_mail --test services_directory --test services_sql --test services_http_proxy -- --ignored --test-threads=2

# Issue 14: Pacemaker's ldirectord resource agent (resource-agents) with
# ocf-tester against ldirectord-rs, and the agent's pgrep stop path (a
# daemon whose status fails is found by its command line and killed); the
# legacy ldirectord beside it (ipvsadm stand-in). No VM: ldirectord-rs's
# in-process IPVS stand-in, network and mount namespaces (needs root).
ocf-test:
	$(CARGO) build -p ldirectord-rs
	$(CARGO) build -p ipvs --example ipvsadm_standin
	tests/pkg/ocf-ldirectord-test.sh

# Issue 16: the seed's /etc/ha.d exported with `heartbeatd export-pacemaker`
# and run by Corosync 3 + Pacemaker 2 on three directors in network, mount
# and UTS namespaces: Pacemaker's agents start the VIP and ldirectord-rs
# (its in-process IPVS stand-in; nftables DNAT stands in for the data
# path), the VIP holder is killed, another takes over (the failover time is
# printed), the killed node returns and auto_failback decides: once as the
# seed has it (on: back home), once off (stays). About 90 s each, no VM;
# needs root. Then the same topology, seed files, clients, kill and
# measurement with heartbeatd in place of Corosync + Pacemaker on MASTER
# and BACKUP (PCMK_TEST_ENGINE=heartbeatd, ~25 s): the two FAILOVER TIME
# lines are issue 16's comparison.
pcmk-test:
	$(CARGO) build -p heartbeatd -p ldirectord-rs
	tests/pcmk/cluster-test.sh
	PCMK_TEST_FAILBACK=off tests/pcmk/cluster-test.sh
	PCMK_TEST_ENGINE=heartbeatd tests/pcmk/cluster-test.sh

man-check:
	@tests/man/check.sh

# cargo-fuzz wants nightly features; RUSTC_BOOTSTRAP lets the stable
# toolchain build the instrumented targets.
# The fuzz crate is outside the workspace: it starts from the workspace's
# Cargo.lock, so the fuzzers build the dependency versions the daemons ship
# with, not whatever the registry holds that day.
fuzz-build:
	cp Cargo.lock fuzz/Cargo.lock
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz build -O

# Each target's output goes to a file so that the run's own exit status
# (a crash is non-zero) decides, not that of a pipe's last command: make's
# /bin/sh has no pipefail. A crash prints the fuzzer's report and fails.
FUZZ_LOG_DIR = $(TARGET_DIR)/fuzz-smoke
fuzz-smoke: fuzz-build
	@fuzz/seed-corpus.sh
	@mkdir -p $(FUZZ_LOG_DIR)
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $$t for $(FUZZ_SECONDS)s"; \
	  log=$(FUZZ_LOG_DIR)/$$t.log; \
	  if (cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run -O $$t corpus/$$t -- \
	       -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0) >$$log 2>&1; then \
	    tail -n 2 $$log; \
	  else \
	    tail -n 40 $$log; echo "fuzz-smoke: $$t failed (full output: $$log)"; exit 1; \
	  fi; \
	done

# Benchmarks are programs that print figures, never timed assertions.
bench: bench-ipvs
	$(CARGO) bench -p ipvs --bench diff_bench

# Issue 15's connection survival: 200 long-lived connections through the
# seed pair's VIP in the VM, MASTER killed, with and without the IPVS sync
# daemon (benches/conn-survival.sh; a program that prints figures).
bench-conn-survival: build vm-initramfs
	$(CARGO) build -p ipvs --example conn_echo
	benches/conn-survival.sh

# Issue 4's table-load and edit benchmark, in the VM against the real kernel
# and ipvsadm (times are under QEMU TCG emulation: compare the ratios).
bench-ipvs: vm-initramfs
	CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="$(CURDIR)/tests/vm/run.sh --timeout 3000 --mem 2G --" \
	  $(CARGO) bench -p ipvs --bench kernel_bench

# Binaries, man pages, the systemd unit, the init script, and heartbeat's
# resource.d/ldirectord entry point (a symlink, as the legacy package has).
DESTDIR ?=
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
# Debian packages that take over from heartbeat and ldirectord with
# dpkg-divert (packaging/deb/): target/deb/{heartbeatd,ldirectord-rs}_VERSION_ARCH.deb.
deb:
	packaging/deb/build.sh
	lintian --fail-on error,warning $(TARGET_DIR)/deb/heartbeatd_*.deb $(TARGET_DIR)/deb/ldirectord-rs_*.deb

# The packages in a throwaway Debian 12 root (mmdebstrap, cached in
# target/pkgtest/): legacy heartbeat + ldirectord with the seed's files,
# then ours installed (the legacy names run ours), removed (the legacy is
# back, /etc/ha.d untouched), installed again and purged.
package-test: deb
	tests/pkg/package-test.sh

# A rolling upgrade of a live legacy pair (heartbeat 3.0.6 +
# ldirectord 4.12, the seed's files) to these .debs with dpkg -i, one node
# at a time, on the seed topology in the IPVS VM, each director in its own
# overlay root; a client's failed requests per step beside those of the
# same handovers of the legacy pair alone (target/pkg/rolling-upgrade.txt).
# Not in `make test`: 11-17 min under TCG, and the legacy pair's Perl checks
# flap on a heavily loaded host (see packaging/README.md).
rolling-upgrade-test: deb vm-initramfs
	tests/pkg/rolling-upgrade.sh

install:
	$(CARGO) build --release --workspace --bins
	install -D -m 0755 $(TARGET_DIR)/release/heartbeatd $(DESTDIR)/usr/sbin/heartbeatd
	install -D -m 0755 $(TARGET_DIR)/release/ldirectord-rs $(DESTDIR)/usr/sbin/ldirectord-rs
	for m in man/*.[0-9]; do install -D -m 0644 $$m $(DESTDIR)/usr/share/man/man$${m##*.}/$${m##*/}; done
	install -D -m 0644 packaging/systemd/ldirectord-rs.service $(DESTDIR)/lib/systemd/system/ldirectord-rs.service
	install -D -m 0755 packaging/init.d/ldirectord-rs $(DESTDIR)/etc/init.d/ldirectord-rs
	install -D -m 0644 packaging/systemd/heartbeatd.service $(DESTDIR)/lib/systemd/system/heartbeatd.service
	install -D -m 0755 packaging/init.d/heartbeatd $(DESTDIR)/etc/init.d/heartbeatd
	for n in hb_standby hb_takeover cl_status; do ln -sf /usr/sbin/heartbeatd $(DESTDIR)/usr/sbin/$$n; done
	install -d $(DESTDIR)/etc/ha.d/resource.d
	ln -sf /usr/sbin/ldirectord-rs $(DESTDIR)/etc/ha.d/resource.d/ldirectord

clean:
	$(CARGO) clean
