# scheduler/ — the re-planner (pure: replan, plandiff) and the daemon.
# placement/ and policy/ have their own module.mk.
LIB_SRCS += scheduler/replan.c scheduler/plandiff.c scheduler/sched_config.c scheduler/view.c scheduler/planner.c
