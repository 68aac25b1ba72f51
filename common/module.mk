# common/ — libxgc: model types, codec, YAML config, bus client, logging.
LIB_SRCS += $(filter-out %_test.c,$(wildcard common/*.c))
