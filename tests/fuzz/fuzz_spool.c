/*
 * Spool recovery from arbitrary bytes on disk.  The input is
 *
 *	flags | acked file (flags & 0x1f bytes, if flags & 0x20) |
 *	    split (2 bytes, little endian) | delta | segments
 *
 * The segments are written as seg-<seq>.spool, seq chosen by flags >> 6;
 * unless split is 0, the bytes from split on go to a second segment
 * named seq + delta (a gap, an overlap, or the first again).
 * Open must succeed and cut whatever does not check; every record read is
 * one line; appends after recovery read back; a second open finds nothing
 * more to cut and the same seqs.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "event.h"
#include "spool.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static char dir[64];

static void
empty_dir(void)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	CHECK((d = opendir(dir)) != NULL);
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			CHECK(unlinkat(dfd, de->d_name, 0) == 0);
	closedir(d);
}

static void
remove_dir(void)
{
	empty_dir();
	rmdir(dir);
}

static void
clean_dir(void)
{
	if (dir[0] == '\0') {
		/* tmpfs when there is one: fsyncs cost nothing there. */
		snprintf(dir, sizeof(dir), "%s/dias-fuzz-spool.XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		CHECK(mkdtemp(dir) != NULL);
		atexit(remove_dir);
		return;
	}
	empty_dir();
}

static void
write_file(const char *name, const uint8_t *data, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1);
	CHECK(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

/* Reads everything after `after`; each line whole, seqs rising. */
static uint64_t
read_all(struct spool *sp, uint64_t after, size_t bound)
{
	struct buf out;
	uint64_t last, n = 0;
	const uint8_t *p, *nl;
	int r;

	buf_init(&out, EVENT_LINE_MAX + 1);
	for (;;) {
		buf_reset(&out);
		CHECK((r = spool_read(sp, after, &out, 7, &last)) >= 0);
		if (r == 0) {
			CHECK(last == after && out.len == 0);
			break;
		}
		CHECK(last > after && last - after >= (uint64_t)r);
		CHECK(last <= spool_synced_seq(sp));
		for (p = out.data; p < out.data + out.len; p = nl + 1) {
			CHECK((nl = memchr(p, '\n', (size_t)(out.data +
			    out.len - p))) != NULL);
			CHECK(nl > p);
			r--;
			n++;
		}
		CHECK(r == 0);
		CHECK(n <= bound);
		after = last;
	}
	buf_free(&out);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t seqs[] = { 1, 2, 100, (uint64_t)1 << 40 };
	struct spool_conf conf = { NULL, 1 << 20, 64 << 10, 4 };
	struct spool_stats st;
	struct spool *sp;
	char name[64], err[256];
	uint64_t acked, next, seq;
	size_t alen = 0, split;
	uint8_t flags, delta;
	int i;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	clean_dir();
	conf.dir = dir;
	if (flags & 0x20) {
		alen = flags & 0x1f;
		if (alen > size)
			alen = size;
		write_file("acked", data, alen);
		data += alen;
		size -= alen;
	}
	split = delta = 0;
	if (size >= 3) {
		split = (size_t)data[0] | (size_t)data[1] << 8;
		delta = data[2];
		data += 3;
		size -= 3;
	}
	if (split == 0 || split > size)
		split = size;
	snprintf(name, sizeof(name), "seg-%020" PRIu64 ".spool",
	    seqs[flags >> 6]);
	write_file(name, data, split);
	if (split < size) {
		snprintf(name, sizeof(name), "seg-%020" PRIu64 ".spool",
		    seqs[flags >> 6] + delta);
		write_file(name, data + split, size - split);
	}

	sp = spool_open(&conf, err, sizeof(err));
	CHECK(sp != NULL);
	spool_stats(sp, &st);
	CHECK(st.torn_bytes <= size);
	acked = spool_acked(sp);
	next = spool_next_seq(sp);
	CHECK(next > acked && spool_synced_seq(sp) == next - 1);
	/* Every record is at least 17 bytes. */
	CHECK(read_all(sp, acked, size / 17) == st.backlog_records);

	/* An acked file near the end of the seq space leaves no room. */
	if (next > (uint64_t)INT64_MAX - 3) {
		spool_close(sp);
		return 0;
	}
	for (i = 0; i < 3; i++) {
		seq = spool_next_seq(sp);
		snprintf(err, sizeof(err), "{\"seq\":%" PRIu64 "}", seq);
		CHECK(spool_append(sp, seq, err, strlen(err)) == 0);
	}
	CHECK(spool_sync(sp) == 0);
	CHECK(read_all(sp, next - 1, 3) == 3);
	CHECK(spool_ack(sp, next) == 0);
	spool_close(sp);

	sp = spool_open(&conf, err, sizeof(err));
	CHECK(sp != NULL);
	spool_stats(sp, &st);
	CHECK(st.torn_bytes == 0);
	CHECK(spool_acked(sp) == next);
	CHECK(spool_next_seq(sp) == next + 3);
	CHECK(read_all(sp, next, 2) == 2);
	spool_close(sp);
	return 0;
}
