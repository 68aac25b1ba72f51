# tests/valgrind — `make valgrind`: memcheck on everything we build, failing
# on any memcheck error or definite/indirect leak (docs/quality.md).
#   make valgrind-daemons  the broker, sim pmds, vmd and the xgc tools through
#                          a real scenario on loopback (tests/valgrind/run.sh)
#   make valgrind-deploy   xgc up/down with the scheduler migrating between sim
#                          pmds, the scheduler's tools, keygen and a CURVE
#                          deployment with a per-VM vmd key, xgc sim with a
#                          plugin policy, a qemu-driver pmd with a real guest
#                          (tests/valgrind/deploy.sh)
#   make valgrind-units    every unit-test program of the normal build
#                          (tests/valgrind/units.sh)
# Not part of `make test`: about 2 + 2 + 5 minutes on a loaded 2-core machine.
.PHONY: valgrind valgrind-daemons valgrind-deploy valgrind-units
valgrind: valgrind-daemons valgrind-deploy valgrind-units

valgrind-daemons: deps all
	@tests/valgrind/run.sh $(CURDIR)/$(BUILD)/bin

valgrind-deploy: deps all
	@tests/valgrind/deploy.sh $(CURDIR)/$(BUILD)/bin

valgrind-units: deps all
	@tests/valgrind/units.sh $(CURDIR)/$(BUILD)/tests
