/* Scratch directories of the unit tests that write files (the store's
 * journal, the sim driver's state): removed with what is in them before
 * and after a test, so that a crashed run leaves nothing behind. */
#ifndef XGC_TEST_DIR_H
#define XGC_TEST_DIR_H

#include <stdio.h>
#include <stdlib.h>

static inline void xgc_test_rmrf(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

#endif
