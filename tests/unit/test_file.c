/*
 * lib/file.c: atomic replacement of a file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_tmp.h"

#include "file.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, sizeof(dir), "file");
}

static int
teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

static void
read_back(const char *path, const char *want)
{
	char got[64] = { 0 };
	FILE *f;

	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fread(got, 1, sizeof(got) - 1, f), strlen(want));
	fclose(f);
	assert_string_equal(got, want);
}

static void
test_file_write_atomic_replaces_and_sets_mode(void **state)
{
	char path[128], tmp[160];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	assert_int_equal(file_write_atomic(path, "old", 3, 0644), 0);
	assert_int_equal(file_write_atomic(path, "secret", 6, 0600), 0);
	read_back(path, "secret");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void
test_file_write_atomic_fails_cleanly_in_missing_dir(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/nodir/x", dir);
	assert_int_equal(file_write_atomic(path, "x", 1, 0644), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_file_write_atomic_keeps_old_file_on_failure(void **state)
{
	char path[128], blocker[160];

	(void)state;
	snprintf(path, sizeof(path), "%s/conf", dir);
	assert_int_equal(file_write_atomic(path, "good", 4, 0644), 0);
	/* A directory where the temporary file must go makes the write fail. */
	snprintf(blocker, sizeof(blocker), "%s.tmp", path);
	assert_int_equal(mkdir(blocker, 0700), 0);
	assert_int_equal(file_write_atomic(path, "bad", 3, 0644), -1);
	read_back(path, "good");
	rmdir(blocker);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_write_atomic_replaces_and_sets_mode),
		cmocka_unit_test(test_file_write_atomic_fails_cleanly_in_missing_dir),
		cmocka_unit_test(test_file_write_atomic_keeps_old_file_on_failure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
