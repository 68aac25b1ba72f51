# vmd/ — the agent inside a VM. identity/probes/workload/zmtp go into
# libxgc (unit tests); main.c is the binary. xgc-vmd-static is the same
# program linked statically for a minimal guest: it uses no libzmq (its own
# ZMTP publisher, vmd/zmtp.c), so only msgpack-c, libyaml and libc are
# linked in (docs/vmd.md), and libsodium for its CURVE client (vmd/curve.c;
# every binary gets -lsodium since libxgc.a holds vmd/curve.o; libzmq
# already depends on libsodium, so this adds no library to the others). AddressSanitizer cannot link statically: the
# static binary is not built with SAN=1.
LIBS += -lsodium
LIB_SRCS += $(filter-out vmd/main.c,$(wildcard vmd/*.c))
BINS += xgc-vmd
xgc-vmd_SRCS := vmd/main.c
ifneq ($(SAN),1)
BINS += xgc-vmd-static
xgc-vmd-static_SRCS := vmd/main.c
xgc-vmd-static_LIBS := -static -lmsgpackc -lyaml -ljansson -lsodium -lm -lpthread
endif
