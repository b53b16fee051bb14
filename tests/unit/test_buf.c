/*
 * Bounded growable buffers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void
test_buf_grows_and_keeps_contents(void **state)
{
	struct buf b;
	uint8_t chunk[1000];
	size_t i;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	buf_init(&b, 1 << 20);
	assert_null(b.data);
	for (i = 0; i < 100; i++)
		assert_int_equal(buf_add(&b, chunk, sizeof(chunk)), 0);
	assert_int_equal(b.len, 100000);
	assert_true(b.cap > b.len);
	for (i = 0; i < b.len; i++)
		if (b.data[i] != 'x')
			fail_msg("byte %zu changed", i);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void
test_buf_refuses_to_grow_past_max(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_add(&b, "0123456789", 10), 0);
	errno = 0;
	assert_int_equal(buf_addc(&b, 'x'), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "0123456789", 10);
	/* The spare NUL byte is not counted against max. */
	assert_true(b.cap <= 11);
	assert_string_equal(buf_cstr(&b), "0123456789");
	/* An impossible request does not wrap around. */
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -1);
	assert_int_equal(errno, ENOBUFS);
	buf_free(&b);
}

static void
test_buf_printf_appends_and_respects_max(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 16);
	assert_int_equal(buf_printf(&b, "%s=%d", "seq", 42), 0);
	assert_int_equal(buf_printf(&b, ",%s", "ok"), 0);
	assert_string_equal(buf_cstr(&b), "seq=42,ok");
	assert_int_equal(b.len, 9);
	assert_int_equal(buf_printf(&b, "%s", "0123456789"), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_string_equal(buf_cstr(&b), "seq=42,ok");
	assert_int_equal(buf_printf(&b, "%s", "0123456"), 0);
	assert_int_equal(b.len, 16);
	assert_string_equal(buf_cstr(&b), "seq=42,ok0123456");
	buf_free(&b);
}

static void
test_buf_consume_drops_from_the_front(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_addstr(&b, "headerpayload"), 0);
	buf_consume(&b, 6);
	assert_int_equal(b.len, 7);
	assert_string_equal(buf_cstr(&b), "payload");
	buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

static void
test_buf_reset_keeps_the_allocation(void **state)
{
	struct buf b;
	uint8_t *p;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_addstr(&b, "abc"), 0);
	p = b.data;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(b.data, p);
	assert_int_equal(buf_addstr(&b, "de"), 0);
	assert_string_equal(buf_cstr(&b), "de");
	buf_free(&b);
}

static void
test_buf_cstr_on_empty_buffer(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_add(&b, "", 0), 0);
	assert_int_equal(buf_addc(&b, 'x'), -1);
	buf_free(&b);
}

static void
test_buf_without_limit_does_not_wrap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, SIZE_MAX);
	assert_int_equal(buf_addstr(&b, "abc"), 0);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 3), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_string_equal(buf_cstr(&b), "abc");
	buf_free(&b);
}

static void
test_buf_holds_binary_data(void **state)
{
	struct buf b;
	const uint8_t bin[] = { 0, 1, 0xff, 0, 0x80 };

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_add(&b, bin, sizeof(bin)), 0);
	assert_int_equal(b.len, sizeof(bin));
	assert_memory_equal(b.data, bin, sizeof(bin));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_keeps_contents),
		cmocka_unit_test(test_buf_refuses_to_grow_past_max),
		cmocka_unit_test(test_buf_printf_appends_and_respects_max),
		cmocka_unit_test(test_buf_consume_drops_from_the_front),
		cmocka_unit_test(test_buf_reset_keeps_the_allocation),
		cmocka_unit_test(test_buf_cstr_on_empty_buffer),
		cmocka_unit_test(test_buf_without_limit_does_not_wrap),
		cmocka_unit_test(test_buf_holds_binary_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
