# scheduler/placement/ — the pure placement core (see placement.h).
LIB_SRCS += $(wildcard scheduler/placement/*.c)
