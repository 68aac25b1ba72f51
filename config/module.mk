# config/ — deployment files. demo.yaml is compiled into libxgc as the
# default deployment (common/xgc_config.c includes the generated string).
GEN_HDRS += $(BUILD)/gen/xgc_demo_yaml.inc

$(BUILD)/gen/xgc_demo_yaml.inc: config/demo.yaml config/module.mk
	@mkdir -p $(dir $@)
	@sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@.tmp
	@mv $@.tmp $@
