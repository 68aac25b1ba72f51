# tools/ — the `xgc` operator tool. Each tools/cmd_<name>.c is a sub-command
# (see tools/xgc_cmd.h); the command table is generated from them.
XGC_CMD_SRCS := $(sort $(wildcard tools/cmd_*.c))
LIB_SRCS  += $(filter-out tools/xgc.c tools/cmd_%.c,$(wildcard tools/*.c))
BINS      += xgc
xgc_SRCS  := tools/xgc.c $(XGC_CMD_SRCS)
GEN_HDRS  += $(BUILD)/gen/xgc_commands.inc

$(BUILD)/gen/xgc_commands.inc: $(XGC_CMD_SRCS) tools/module.mk
	@mkdir -p $(dir $@)
	@sed -n 's/^\(XGC_COMMAND([a-z_0-9]*, *"[^"]*")\).*/\1/p' $(XGC_CMD_SRCS) > $@.tmp
	@mv $@.tmp $@
