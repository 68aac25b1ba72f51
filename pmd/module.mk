# pmd/ — the per-PM daemon: reconcile core (pure), hypervisor drivers, loop.
LIB_SRCS += $(filter-out pmd/main.c,$(wildcard pmd/*.c))
