/*
 * sensor/spool.c: the durable event spool, on real files, and lib/crc32c.c
 * against RFC 3720's vectors.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_tmp.h"

#include "buf.h"
#include "crc32c.h"
#include "event.h"
#include "sandbox.h"
#include "spool.h"

#define HDR	16

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, sizeof(dir), "spool");
}

static int
teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

/* A file holding text, replacing what it held. */
static void
put_file(const char *path, const char *text)
{
	FILE *f;

	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static struct spool *
open_spool(uint64_t max, uint64_t seg, uint64_t sync)
{
	struct spool_conf conf = { dir, max, seg, sync };
	struct spool *sp;
	char err[256] = "";

	sp = spool_open(&conf, err, sizeof(err));
	if (sp == NULL)
		fail_msg("spool_open: %s", err);
	return sp;
}

/* The JSON of record seq: distinct per seq, and of a length that varies. */
static size_t
line(uint64_t seq, char *out, size_t len)
{
	return (size_t)snprintf(out, len, "{\"kind\":\"connection\",\"seq\":%"
	    PRIu64 ",\"pad\":\"%.*s\"}", seq, (int)(seq % 17),
	    "abcdefghijklmnopq");
}

static void
append_n(struct spool *sp, uint64_t n)
{
	char j[128];
	uint64_t seq;

	while (n-- > 0) {
		seq = spool_next_seq(sp);
		assert_int_equal(spool_append(sp, seq, j, line(seq, j,
		    sizeof(j))), 0);
	}
}

/*
 * In a forked child: no cmocka assertion may fail there (its longjmp would
 * run the rest of the suite in the child), so any failure is _exit(1).
 */
static struct spool *
child_open(uint64_t seg, uint64_t sync)
{
	struct spool_conf conf = { dir, 0, seg, sync };
	struct spool *sp;
	char err[256];

	if ((sp = spool_open(&conf, err, sizeof(err))) == NULL)
		_exit(1);
	return sp;
}

static void
child_append(struct spool *sp)
{
	char j[128];
	uint64_t seq = spool_next_seq(sp);

	if (spool_append(sp, seq, j, line(seq, j, sizeof(j))) != 0)
		_exit(1);
}

static uint64_t
rec_size(uint64_t seq)
{
	char j[128];

	return HDR + line(seq, j, sizeof(j));
}

/*
 * Reads every record after `after` in batches of batch, checking each
 * line is the one written for its seq; returns the count, *first the
 * first seq seen.
 */
static uint64_t
read_all(struct spool *sp, uint64_t after, int batch, uint64_t *first)
{
	struct buf out;
	char j[128];
	uint64_t last, seq = 0, count = 0;
	size_t off, n;
	const char *nl;
	int r;

	buf_init(&out, EVENT_LINE_MAX + 1);
	for (;;) {
		buf_reset(&out);
		assert_true((r = spool_read(sp, after, &out, (size_t)batch,
		    &last)) >= 0);
		if (r == 0) {
			assert_int_equal(last, after);
			break;
		}
		assert_true(r <= batch);
		for (off = 0; off < out.len; off = (size_t)(nl -
		    (const char *)out.data) + 1) {
			nl = memchr(out.data + off, '\n', out.len - off);
			assert_non_null(nl);
			/* The seq sits inside the JSON: parse it back. */
			assert_int_equal(sscanf((const char *)out.data + off,
			    "{\"kind\":\"connection\",\"seq\":%" SCNu64, &seq), 1);
			n = line(seq, j, sizeof(j));
			assert_int_equal((size_t)(nl - (const char *)out.data) -
			    off, n);
			assert_memory_equal(out.data + off, j, n);
			if (count == 0 && first != NULL)
				*first = seq;
			assert_true(seq > after);
			count++;
			after = seq;
		}
		assert_int_equal(last, seq);
	}
	buf_free(&out);
	return count;
}

static void
seg_path(uint64_t first, char *path, size_t len)
{
	snprintf(path, len, "%s/seg-%020" PRIu64 ".spool", dir, first);
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static int
count_segments(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "seg-", 4) == 0)
			n++;
	closedir(d);
	return n;
}

/* RFC 3720 B.4, and the usual check value of "123456789". */
static void
test_crc32c_matches_rfc3720_vectors(void **state)
{
	static const uint8_t pdu[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t b[32];
	int i;

	(void)state;
	memset(b, 0, sizeof(b));
	assert_int_equal(crc32c(0, b, 32), 0x8a9136aa);
	assert_int_equal(crc32c_sw(0, b, 32), 0x8a9136aa);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(crc32c(0, b, 32), 0x62a8ab43);
	assert_int_equal(crc32c_sw(0, b, 32), 0x62a8ab43);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	assert_int_equal(crc32c(0, b, 32), 0x46dd794e);
	assert_int_equal(crc32c_sw(0, b, 32), 0x46dd794e);
	for (i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	assert_int_equal(crc32c(0, b, 32), 0x113fdb5c);
	assert_int_equal(crc32c_sw(0, b, 32), 0x113fdb5c);
	assert_int_equal(crc32c(0, pdu, sizeof(pdu)), 0xd9963a56);
	assert_int_equal(crc32c_sw(0, pdu, sizeof(pdu)), 0xd9963a56);
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283);
	assert_int_equal(crc32c(0, "", 0), 0);
}

/* Any split of the input gives the same CRC, on both paths. */
static void
test_crc32c_continues_over_pieces(void **state)
{
	uint8_t b[300];
	uint32_t whole;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + 3);
	whole = crc32c_sw(0, b, sizeof(b));
	for (i = 0; i <= sizeof(b); i += 13) {
		assert_int_equal(crc32c(crc32c(0, b, i), b + i,
		    sizeof(b) - i), whole);
		assert_int_equal(crc32c_sw(crc32c_sw(0, b, i), b + i,
		    sizeof(b) - i), whole);
	}
}

static void
test_spool_starts_at_seq_one(void **state)
{
	struct spool *sp;
	struct spool_stats st;

	(void)state;
	sp = open_spool(0, 0, 1);
	assert_int_equal(spool_next_seq(sp), 1);
	assert_int_equal(spool_synced_seq(sp), 0);
	assert_int_equal(spool_acked(sp), 0);
	assert_int_equal(read_all(sp, 0, 10, NULL), 0);
	spool_stats(sp, &st);
	assert_int_equal(st.segments, 0);
	spool_close(sp);
}

static void
test_spool_survives_reopen_with_same_seq(void **state)
{
	struct spool *sp;
	uint64_t first = 0;

	(void)state;
	sp = open_spool(0, 0, 4);
	append_n(sp, 10);
	assert_int_equal(spool_next_seq(sp), 11);
	spool_close(sp);
	sp = open_spool(0, 0, 4);
	assert_int_equal(spool_next_seq(sp), 11);
	assert_int_equal(spool_synced_seq(sp), 10);
	assert_int_equal(read_all(sp, 0, 3, &first), 10);
	assert_int_equal(first, 1);
	/* Appends continue in the same segment. */
	append_n(sp, 2);
	assert_int_equal(count_segments(), 1);
	spool_close(sp);
	sp = open_spool(0, 0, 4);
	assert_int_equal(spool_next_seq(sp), 13);
	assert_int_equal(read_all(sp, 0, 100, NULL), 12);
	spool_close(sp);
}

static void
cut_and_check(off_t at, uint64_t want_next, uint64_t want_torn)
{
	struct spool *sp;
	struct spool_stats st;
	char path[128];

	seg_path(1, path, sizeof(path));
	assert_int_equal(truncate(path, at), 0);
	sp = open_spool(0, 0, 1);
	spool_stats(sp, &st);
	assert_int_equal(spool_next_seq(sp), want_next);
	assert_int_equal(st.torn_bytes, want_torn);
	assert_int_equal(read_all(sp, 0, 100, NULL), want_next - 1);
	/* The cut is on disk, and appends go on from it. */
	append_n(sp, 1);
	assert_int_equal(read_all(sp, 0, 100, NULL), want_next);
	spool_close(sp);
	sp = open_spool(0, 0, 1);
	spool_stats(sp, &st);
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(spool_next_seq(sp), want_next + 1);
	spool_close(sp);
}

static void
test_spool_cuts_torn_tail(void **state)
{
	struct spool *sp;
	off_t four;

	(void)state;
	sp = open_spool(0, 0, 1);
	append_n(sp, 5);
	spool_close(sp);
	four = (off_t)(rec_size(1) + rec_size(2) + rec_size(3) + rec_size(4));
	/* Mid-record: the header of 5 is whole, its JSON is not. */
	cut_and_check(four + HDR + 3, 5, HDR + 3);
	/* Mid-header (records 1-4 and the new 5 are there). */
	cut_and_check(four + 7, 5, 7);
	/* Nothing but part of the first header: the segment goes. */
	cut_and_check(5, 1, 5);
}

static void
flip_byte(const char *path, off_t at)
{
	uint8_t c;
	int fd;

	assert_true((fd = open(path, O_RDWR)) != -1);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

static void
test_spool_rejects_corrupt_crc(void **state)
{
	struct spool *sp;
	struct spool_stats st;
	char path[128];
	off_t size, two;

	(void)state;
	sp = open_spool(0, 0, 1);
	append_n(sp, 5);
	spool_close(sp);
	seg_path(1, path, sizeof(path));
	size = file_size(path);
	two = (off_t)(rec_size(1) + rec_size(2));
	/* One bit of record 3's JSON. */
	flip_byte(path, two + HDR + 4);
	sp = open_spool(0, 0, 1);
	spool_stats(sp, &st);
	assert_int_equal(spool_next_seq(sp), 3);
	assert_int_equal(st.torn_bytes, (uint64_t)(size - two));
	assert_int_equal(file_size(path), two);
	assert_int_equal(read_all(sp, 0, 100, NULL), 2);
	spool_close(sp);
}

static void
test_spool_rejects_wrong_seq_and_oversized_len(void **state)
{
	struct spool *sp;
	struct spool_stats st;
	char path[128];
	uint8_t b[4];
	int fd;

	(void)state;
	sp = open_spool(0, 0, 1);
	append_n(sp, 3);
	spool_close(sp);
	seg_path(1, path, sizeof(path));
	/* Record 2's seq byte: its CRC would fail too, but seq is seen first. */
	flip_byte(path, (off_t)rec_size(1) + 8);
	sp = open_spool(0, 0, 1);
	assert_int_equal(spool_next_seq(sp), 2);
	spool_close(sp);
	/* A len over EVENT_LINE_MAX is corruption, not an allocation. */
	assert_true((fd = open(path, O_RDWR)) != -1);
	b[0] = b[1] = b[2] = b[3] = 0xff;
	assert_int_equal(pwrite(fd, b, 4, 0), 4);
	close(fd);
	sp = open_spool(0, 0, 1);
	spool_stats(sp, &st);
	assert_int_equal(spool_next_seq(sp), 1);
	assert_int_equal(st.segments, 0);
	spool_close(sp);
}

static void
test_spool_read_returns_only_synced(void **state)
{
	struct spool *sp;
	struct spool_stats st;

	(void)state;
	sp = open_spool(0, 0, 4);
	append_n(sp, 3);
	assert_int_equal(spool_synced_seq(sp), 0);
	assert_int_equal(read_all(sp, 0, 100, NULL), 0);
	/* The fourth append is the group's last: it syncs. */
	append_n(sp, 2);
	assert_int_equal(spool_synced_seq(sp), 4);
	assert_int_equal(read_all(sp, 0, 100, NULL), 4);
	assert_int_equal(spool_sync(sp), 0);
	assert_int_equal(spool_synced_seq(sp), 5);
	assert_int_equal(read_all(sp, 4, 100, NULL), 1);
	spool_stats(sp, &st);
	assert_int_equal(st.appended, 5);
	assert_int_equal(st.synced, 5);
	/* Nothing pending: a no-op. */
	assert_int_equal(spool_sync(sp), 0);
	spool_close(sp);
}

static void
test_spool_read_stops_before_out_is_full(void **state)
{
	struct spool *sp;
	struct buf out;
	uint64_t last;

	(void)state;
	sp = open_spool(0, 0, 1);
	append_n(sp, 5);
	/* Room for two records' lines and a bit, not three. */
	buf_init(&out, rec_size(1) - HDR + 1 + rec_size(2) - HDR + 1 + 5);
	assert_int_equal(spool_read(sp, 0, &out, 100, &last), 2);
	assert_int_equal(last, 2);
	assert_int_equal(out.len, rec_size(1) + rec_size(2) - 2 * HDR + 2);
	buf_reset(&out);
	assert_int_equal(spool_read(sp, last, &out, 1, &last), 1);
	assert_int_equal(last, 3);
	/* An earlier seq again (a resend after a failure) seeks back. */
	buf_reset(&out);
	assert_int_equal(spool_read(sp, 0, &out, 1, &last), 1);
	assert_int_equal(last, 1);
	buf_free(&out);
	spool_close(sp);
}

static void
test_spool_rolls_segments(void **state)
{
	struct spool *sp;
	struct spool_stats st;
	char path[128];
	uint64_t seq, total = 0;
	int segs;

	(void)state;
	sp = open_spool(0, 500, 1);
	append_n(sp, 40);
	spool_stats(sp, &st);
	segs = count_segments();
	assert_true(segs > 5);
	assert_int_equal(st.segments, (uint64_t)segs);
	/*
	 * Each file is named by its first seq, holds whole records that
	 * follow on, and stays under the size.
	 */
	for (seq = 1; seq <= 40; ) {
		uint64_t sz = 0;

		seg_path(seq, path, sizeof(path));
		assert_true(file_size(path) <= 500);
		while (seq <= 40 && sz < (uint64_t)file_size(path))
			sz += rec_size(seq++);
		assert_int_equal(sz, (uint64_t)file_size(path));
		total += sz;
	}
	assert_int_equal(st.backlog_records, 40);
	assert_int_equal(st.backlog_bytes, total);
	assert_int_equal(read_all(sp, 0, 7, NULL), 40);
	spool_close(sp);
	sp = open_spool(0, 500, 1);
	assert_int_equal(read_all(sp, 0, 7, NULL), 40);
	assert_int_equal(spool_next_seq(sp), 41);
	spool_close(sp);
}

static void
test_spool_ack_deletes_acked_segments(void **state)
{
	struct spool *sp;
	struct spool_stats st;
	char path[128];
	uint64_t first = 0;
	int before;

	(void)state;
	sp = open_spool(0, 500, 1);
	append_n(sp, 40);
	before = count_segments();
	/* Part of the first segment: nothing goes. */
	assert_int_equal(spool_ack(sp, 2), 0);
	assert_int_equal(count_segments(), before);
	spool_stats(sp, &st);
	assert_int_equal(st.backlog_records, 38);
	assert_int_equal(spool_ack(sp, 20), 0);
	assert_true(count_segments() < before);
	seg_path(1, path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	spool_stats(sp, &st);
	assert_int_equal(st.backlog_records, 20);
	assert_int_equal(st.segments, (uint64_t)count_segments());
	/* Shipping resumes after the ack. */
	assert_int_equal(read_all(sp, 20, 5, &first), 20);
	assert_int_equal(first, 21);
	/* A lower ack is a no-op. */
	assert_int_equal(spool_ack(sp, 10), 0);
	assert_int_equal(spool_acked(sp), 20);
	/* All acked: only the segment being written stays. */
	assert_int_equal(spool_ack(sp, 40), 0);
	assert_int_equal(count_segments(), 1);
	spool_stats(sp, &st);
	assert_int_equal(st.backlog_records, 0);
	assert_int_equal(st.backlog_bytes, 0);
	spool_close(sp);
	/* And at open, that one goes too. */
	sp = open_spool(0, 500, 1);
	assert_int_equal(count_segments(), 0);
	assert_int_equal(spool_next_seq(sp), 41);
	spool_close(sp);
}

static void
test_spool_ack_survives_reopen(void **state)
{
	struct spool *sp;
	char path[128], text[32] = "";
	uint64_t first = 0;
	FILE *f;

	(void)state;
	sp = open_spool(0, 0, 1);
	append_n(sp, 10);
	assert_int_equal(spool_ack(sp, 7), 0);
	spool_close(sp);
	snprintf(path, sizeof(path), "%s/acked", dir);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "7\n");
	sp = open_spool(0, 0, 1);
	assert_int_equal(spool_acked(sp), 7);
	assert_int_equal(spool_next_seq(sp), 11);
	assert_int_equal(read_all(sp, spool_acked(sp), 100, &first), 3);
	assert_int_equal(first, 8);
	spool_close(sp);
}

static void
test_spool_takes_bad_acked_file_as_zero(void **state)
{
	struct spool *sp;
	char path[128];

	(void)state;
	sp = open_spool(0, 0, 1);
	append_n(sp, 3);
	spool_close(sp);
	snprintf(path, sizeof(path), "%s/acked", dir);
	put_file(path, "-5x\n");
	sp = open_spool(0, 0, 1);
	assert_int_equal(spool_acked(sp), 0);
	assert_int_equal(read_all(sp, 0, 100, NULL), 3);
	spool_close(sp);
	/* A number too long to be a seq is not read in part. */
	put_file(path, "000000000000000000000000000000000002\n");
	sp = open_spool(0, 0, 1);
	assert_int_equal(spool_acked(sp), 0);
	spool_close(sp);
}

static void
test_spool_drops_oldest_when_full_and_reports(void **state)
{
	struct spool *sp;
	struct spool_stats st;
	struct spool_drop d;
	uint64_t first = 0, n;

	(void)state;
	sp = open_spool(2000, 500, 1);
	assert_int_equal(spool_take_drops(sp, &d), 0);
	append_n(sp, 100);
	spool_stats(sp, &st);
	assert_true(st.backlog_bytes <= 2000);
	assert_true(st.dropped_records > 0);
	assert_int_equal(spool_take_drops(sp, &d), 1);
	assert_int_equal(d.first, 1);
	assert_int_equal(d.records, d.last);
	assert_int_equal(d.records, st.dropped_records);
	assert_int_equal(d.bytes, st.dropped_bytes);
	assert_int_equal(st.backlog_records, 100 - d.records);
	/* Reported once. */
	assert_int_equal(spool_take_drops(sp, &d), 0);
	/* Reading from the start skips what was dropped. */
	n = read_all(sp, 0, 10, &first);
	assert_int_equal(first, d.last + 1);
	assert_int_equal(n, 100 - d.last);
	/* Acked records dropped are not counted as lost. */
	n = st.dropped_records;
	assert_int_equal(spool_ack(sp, 100), 0);
	append_n(sp, 100);
	spool_stats(sp, &st);
	assert_int_equal(spool_take_drops(sp, &d), 1);
	assert_int_equal(d.first, 101);
	assert_int_equal(d.records, d.last - d.first + 1);
	assert_int_equal(st.dropped_records, n + d.records);
	spool_close(sp);
}

static void
test_spool_drops_all_for_a_record_near_the_cap(void **state)
{
	struct spool *sp;
	struct spool_stats st;
	struct spool_drop d;
	struct buf out;
	char big[990];
	uint64_t last;

	(void)state;
	sp = open_spool(1000, 0, 1);
	append_n(sp, 5);
	memset(big, 'x', sizeof(big));
	assert_int_equal(spool_append(sp, 6, big, 940), 0);
	assert_int_equal(spool_take_drops(sp, &d), 1);
	assert_int_equal(d.first, 1);
	assert_int_equal(d.last, 5);
	spool_stats(sp, &st);
	assert_int_equal(st.segments, 1);
	assert_int_equal(st.backlog_bytes, HDR + 940);
	buf_init(&out, EVENT_LINE_MAX + 1);
	assert_int_equal(spool_read(sp, 0, &out, 10, &last), 1);
	assert_int_equal(last, 6);
	assert_int_equal(out.len, 940 + 1);
	buf_free(&out);
	/* Bigger than the cap itself: refused, nothing dropped. */
	assert_int_equal(spool_append(sp, 7, big, sizeof(big)), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(spool_take_drops(sp, &d), 0);
	spool_close(sp);
}

static void
test_spool_seq_never_reused_after_ack_of_unsynced(void **state)
{
	struct spool *sp;
	char path[128];
	pid_t pid;
	int i, status;

	(void)state;
	/* A shipper acks records never synced, then the machine dies. */
	if ((pid = fork()) == 0) {
		sp = child_open(0, 1000);
		for (i = 0; i < 5; i++)
			child_append(sp);
		if (spool_ack(sp, 5) != 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The unsynced records are lost with the page cache. */
	seg_path(1, path, sizeof(path));
	assert_int_equal(truncate(path, 0), 0);
	sp = open_spool(0, 0, 1000);
	assert_int_equal(spool_next_seq(sp), 6);
	append_n(sp, 1);
	assert_int_equal(spool_sync(sp), 0);
	spool_close(sp);
	sp = open_spool(0, 0, 1000);
	assert_int_equal(spool_next_seq(sp), 7);
	spool_close(sp);
}

static void
test_spool_ack_past_spooled_moves_next_seq(void **state)
{
	struct spool *sp;
	char j[128];
	uint64_t first = 0;

	(void)state;
	/* A server that stored more than this (wiped) spool ever held. */
	sp = open_spool(0, 0, 1);
	append_n(sp, 3);
	assert_int_equal(spool_ack(sp, 100), 0);
	assert_int_equal(spool_next_seq(sp), 101);
	assert_int_equal(spool_append(sp, 4, j, line(4, j, sizeof(j))), -1);
	assert_int_equal(errno, EINVAL);
	append_n(sp, 2);
	assert_int_equal(read_all(sp, 100, 10, &first), 2);
	assert_int_equal(first, 101);
	spool_close(sp);
	sp = open_spool(0, 0, 1);
	assert_int_equal(spool_next_seq(sp), 103);
	assert_int_equal(read_all(sp, 100, 10, NULL), 2);
	spool_close(sp);
}

static void
test_spool_append_rejects_bad_records(void **state)
{
	struct spool *sp;
	char *big;

	(void)state;
	sp = open_spool(0, 0, 1);
	assert_int_equal(spool_append(sp, 2, "{}", 2), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(spool_append(sp, 1, "{\n}", 3), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(spool_append(sp, 1, "", 0), -1);
	assert_non_null(big = malloc(EVENT_LINE_MAX + 1));
	memset(big, 'x', EVENT_LINE_MAX + 1);
	assert_int_equal(spool_append(sp, 1, big, EVENT_LINE_MAX + 1), -1);
	assert_int_equal(errno, EINVAL);
	/* The largest line goes through, and back. */
	assert_int_equal(spool_append(sp, 1, big, EVENT_LINE_MAX), 0);
	assert_int_equal(spool_next_seq(sp), 2);
	spool_close(sp);
	sp = open_spool(0, 0, 1);
	assert_int_equal(spool_next_seq(sp), 2);
	spool_close(sp);
	free(big);
}

static void
test_spool_keeps_a_gap_between_segments(void **state)
{
	struct spool *sp;
	char path[128];
	uint64_t n, first = 0;

	(void)state;
	sp = open_spool(0, 500, 1);
	append_n(sp, 40);
	spool_close(sp);
	/* The second segment vanishes (by hand). */
	for (first = 2; first < 40; first++) {
		seg_path(first, path, sizeof(path));
		if (access(path, F_OK) == 0)
			break;
	}
	assert_int_equal(unlink(path), 0);
	sp = open_spool(0, 500, 1);
	assert_int_equal(spool_next_seq(sp), 41);
	n = read_all(sp, 0, 100, NULL);
	assert_true(n < 40 && n > 20);
	spool_close(sp);
}

static void
test_spool_ignores_other_files_and_drops_overlaps(void **state)
{
	struct spool *sp;
	struct spool_stats st;
	char path[128], other[128];

	(void)state;
	sp = open_spool(0, 0, 1);
	append_n(sp, 5);
	spool_close(sp);
	snprintf(other, sizeof(other), "%s/captures.list", dir);
	put_file(other, "not a segment\n");
	/* A segment starting at 3 overlaps 1-5. */
	seg_path(3, path, sizeof(path));
	put_file(path, "garbage");
	/* A FIFO with a segment's name must not block the open. */
	seg_path(100, other, sizeof(other));
	assert_int_equal(mkfifo(other, 0600), 0);
	sp = open_spool(0, 0, 1);
	spool_stats(sp, &st);
	assert_int_equal(st.segments, 1);
	assert_int_equal(st.torn_bytes, 7);
	assert_int_equal(spool_next_seq(sp), 6);
	snprintf(other, sizeof(other), "%s/captures.list", dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(other, F_OK), 0);
	assert_int_equal(read_all(sp, 0, 100, NULL), 5);
	spool_close(sp);
}

static void
test_spool_failed_write_leaves_no_partial_record(void **state)
{
	struct spool *sp;
	struct spool_stats st;
	struct rlimit old, lim;
	char path[128], j[128];
	off_t size;

	(void)state;
	sp = open_spool(0, 0, 1);
	append_n(sp, 3);
	seg_path(1, path, sizeof(path));
	size = file_size(path);
	/* The file may grow by 10 bytes: record 4 is written in part. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)size + 10;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(spool_append(sp, 4, j, line(4, j, sizeof(j))), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(spool_next_seq(sp), 4);
	/* The next append takes the place of the partial one. */
	append_n(sp, 2);
	assert_int_equal(file_size(path), size + (off_t)(rec_size(4) +
	    rec_size(5)));
	spool_close(sp);
	sp = open_spool(0, 0, 1);
	spool_stats(sp, &st);
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(read_all(sp, 0, 100, NULL), 5);
	spool_close(sp);
}

static void
test_spool_keeps_every_synced_record_after_kill(void **state)
{
	struct spool *sp;
	struct spool_stats st;
	uint64_t synced = 0, got;
	pid_t pid;
	int p[2], status;

	(void)state;
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		/* Appends until killed, telling each synced seq. */
		close(p[0]);
		sp = child_open(4096, 8);
		for (got = 0; got < 100000; got++) {
			child_append(sp);
			if (spool_synced_seq(sp) > synced) {
				synced = spool_synced_seq(sp);
				if (write(p[1], &synced, sizeof(synced)) !=
				    sizeof(synced))
					_exit(1);
			}
		}
		_exit(0);
	}
	close(p[1]);
	while (synced < 400 && read(p[0], &got, sizeof(got)) == sizeof(got))
		synced = got;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(p[0]);
	assert_true(synced >= 400);
	sp = open_spool(0, 4096, 8);
	spool_stats(sp, &st);
	assert_true(spool_next_seq(sp) > synced);
	assert_int_equal(st.segments, (uint64_t)count_segments());
	assert_true(st.segments > 1);
	/* No seq missing, none twice, each line the one written. */
	assert_int_equal(read_all(sp, 0, 50, &got), spool_next_seq(sp) - 1);
	assert_int_equal(got, 1);
	spool_close(sp);
}

/*
 * The shipper's seccomp filter allows every call the spool makes: open
 * and recovery, appends across segments, drops at the cap, acks, reads.
 */
static void
test_spool_runs_under_the_shipper_sandbox(void **state)
{
	struct spool_conf conf = { dir, 3000, 600, 4 };
	struct spool_drop d;
	struct spool *sp;
	struct buf out;
	char err[256], j[128];
	uint64_t seq, last;
	pid_t pid;
	int i, status;

	(void)state;
	sp = open_spool(0, 0, 1);
	append_n(sp, 3);
	spool_close(sp);
	if ((pid = fork()) == 0) {
		if (sandbox_filter(SANDBOX_SHIPPER) == -1)
			_exit(10);
		if ((sp = spool_open(&conf, err, sizeof(err))) == NULL)
			_exit(11);
		for (i = 0; i < 100; i++) {
			seq = spool_next_seq(sp);
			if (spool_append(sp, seq, j, line(seq, j,
			    sizeof(j))) == -1)
				_exit(12);
		}
		if (spool_sync(sp) == -1 || spool_take_drops(sp, &d) != 1)
			_exit(13);
		buf_init(&out, EVENT_LINE_MAX + 1);
		if (spool_read(sp, 0, &out, 1000, &last) <= 0 || last != 103)
			_exit(14);
		if (spool_ack(sp, 100) == -1)
			_exit(15);
		spool_close(sp);
		if ((sp = spool_open(&conf, err, sizeof(err))) == NULL ||
		    spool_acked(sp) != 100 || spool_next_seq(sp) != 104)
			_exit(16);
		spool_close(sp);
		buf_free(&out);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("killed by signal %d (SIGSYS: a syscall the shipper's "
		    "filter lacks)", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_crc32c_matches_rfc3720_vectors),
		T(test_crc32c_continues_over_pieces),
		T(test_spool_starts_at_seq_one),
		T(test_spool_survives_reopen_with_same_seq),
		T(test_spool_cuts_torn_tail),
		T(test_spool_rejects_corrupt_crc),
		T(test_spool_rejects_wrong_seq_and_oversized_len),
		T(test_spool_read_returns_only_synced),
		T(test_spool_read_stops_before_out_is_full),
		T(test_spool_rolls_segments),
		T(test_spool_ack_deletes_acked_segments),
		T(test_spool_ack_survives_reopen),
		T(test_spool_takes_bad_acked_file_as_zero),
		T(test_spool_drops_oldest_when_full_and_reports),
		T(test_spool_drops_all_for_a_record_near_the_cap),
		T(test_spool_seq_never_reused_after_ack_of_unsynced),
		T(test_spool_ack_past_spooled_moves_next_seq),
		T(test_spool_append_rejects_bad_records),
		T(test_spool_failed_write_leaves_no_partial_record),
		T(test_spool_keeps_every_synced_record_after_kill),
		T(test_spool_runs_under_the_shipper_sandbox),
		T(test_spool_keeps_a_gap_between_segments),
		T(test_spool_ignores_other_files_and_drops_overlaps),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
