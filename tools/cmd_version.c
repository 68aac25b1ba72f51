/* xgc version — print the version of the tools. */
#include <stdio.h>

#include "tools/xgc_cmd.h"

XGC_COMMAND(version, "print xgc's version")
{
    (void)argc;
    (void)argv;
    printf("xgc 0.1\n");
    return 0;
}
