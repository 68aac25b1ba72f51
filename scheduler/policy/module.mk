# scheduler/policy/ — pure scheduling policy shared by the daemon and xgc sim:
# demand estimation (demand.c) and the migration gate/planner (migrate.c).
LIB_SRCS += $(wildcard scheduler/policy/*.c)
