/*
 * A scratch directory for suites that work on real files: made fresh
 * under /tmp before each test and removed, with all in it, after.
 */
#ifndef DIAS_TEST_TMP_H
#define DIAS_TEST_TMP_H

#include <stdio.h>
#include <stdlib.h>

/* /tmp/dias-test-<name>.XXXXXX into dir (cap bytes), made; 0 or -1. */
static inline int
tmpdir_make(char *dir, size_t cap, const char *name)
{
	int n;

	n = snprintf(dir, cap, "/tmp/dias-test-%s.XXXXXX", name);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

/* dir and everything below it gone; 0 or -1. */
static inline int
tmpdir_remove(const char *dir)
{
	char cmd[128];
	int n;

	n = snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

#endif
