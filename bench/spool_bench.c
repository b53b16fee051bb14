/*
 * spool_bench: the sensor spool's durable append rate and its recovery
 * time, each beside the physical limit measured in the same run on the
 * same filesystem.
 *
 *	spool_bench [-d DIR] [-n RECORDS] [-t SECONDS] [-b MIB] [-T SECONDS]
 *
 * Works in a new directory under DIR (default /var/tmp), removed at the
 * end.  (1) For groups of 1, 64 and 512 records per fdatasync, appends
 * ~400-byte event lines to a spool for at most RECORDS (default 100000)
 * or SECONDS (default 5), then writes the same bytes with plain write()
 * and an fdatasync per group; three rounds of both, alternating.  (2) Spools a backlog of at most MIB
 * (default 1024) or -T SECONDS (default 120), closes it, and times
 * spool_open plus reading every record with spool_read, beside reading
 * the same files with read() (warm cache: both after the writing).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "buf.h"
#include "event.h"
#include "spool.h"

#define HDR		16
#define READ_BATCH	1000
#define READ_OUT	(4 * 1024 * 1024)
#define ROUNDS		3

static char	 work[4096];

static __attribute__((noreturn)) void
die(const char *what)
{
	fprintf(stderr, "spool_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A connection event as the engine writes it, about 400 bytes. */
static size_t
event_line(uint64_t seq, char *out, size_t len)
{
	return (size_t)snprintf(out, len,
	    "{\"kind\":\"connection\",\"sensor\":\"sensor-01.example.org\","
	    "\"seq\":%" PRIu64 ",\"ts\":%" PRIu64 ",\"phase\":\"end\","
	    "\"proto\":\"tcp\",\"src\":\"10.20.0.%u\",\"sport\":%u,"
	    "\"dst\":\"10.10.0.%u\",\"dport\":445,\"template\":\"windows-xp\","
	    "\"service\":\"smb\",\"pkts_in\":%u,\"pkts_out\":%u,"
	    "\"bytes_in\":%u,\"bytes_out\":%u,\"flags\":\"SAPF\","
	    "\"duration_us\":%u,\"reason\":\"closed\",\"personality\":"
	    "\"Microsoft Windows XP SP1\",\"vhost\":\"10.10.0.%u\"}",
	    seq, (uint64_t)1764112000000000ULL + seq * 137, (unsigned)(seq % 250 + 2),
	    (unsigned)(1024 + seq % 60000), (unsigned)(seq % 200 + 10),
	    (unsigned)(seq % 13 + 3), (unsigned)(seq % 11 + 2),
	    (unsigned)(seq % 4000 + 400), (unsigned)(seq % 3000 + 120),
	    (unsigned)(seq % 900000), (unsigned)(seq % 200 + 10));
}

static void
rm_tree(const char *path)
{
	struct dirent *de;
	char p[8192];
	DIR *d;

	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", path, de->d_name) >=
		    (int)sizeof(p))
			continue;
		if (de->d_type == DT_DIR)
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(path);
}

static const char *
fs_name(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) == -1)
		return "?";
	switch ((unsigned long)sf.f_type) {
	case 0xef53:
		return "ext4";
	case 0x01021994:
		return "tmpfs";
	case 0x58465342:
		return "xfs";
	case 0x9123683e:
		return "btrfs";
	case 0x794c7630:
		return "overlayfs";
	default:
		return "other";
	}
}

static struct spool *
bench_open(const char *dir, uint64_t max, uint64_t sync)
{
	struct spool_conf conf = { dir, max, 0, sync };
	struct spool *sp;
	char err[256];

	if ((sp = spool_open(&conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "spool_bench: %s\n", err);
		exit(1);
	}
	return sp;
}

/*
 * Appends up to max records or for secs; returns the count, *bytes the
 * bytes they took on disk, *secs the time including the last sync.
 */
static uint64_t
append_run(const char *dir, uint64_t group, uint64_t max, double *secs,
    uint64_t *bytes)
{
	struct spool *sp;
	char line[1024];
	uint64_t n = 0, seq;
	size_t len;
	double t0, limit = *secs;

	sp = bench_open(dir, 0, group);
	*bytes = 0;
	t0 = bench_now();
	while (n < max && (n % 64 != 0 || bench_now() - t0 < limit)) {
		seq = spool_next_seq(sp);
		len = event_line(seq, line, sizeof(line));
		if (spool_append(sp, seq, line, len) == -1)
			die("spool_append");
		*bytes += HDR + len;
		n++;
	}
	/* A partial last group counts only once it is durable. */
	if (spool_sync(sp) == -1)
		die("spool_sync");
	*secs = bench_now() - t0;
	spool_close(sp);
	return n;
}

/* The same records' bytes with write() per record, fdatasync per group. */
static double
raw_run(const char *path, uint64_t group, uint64_t n)
{
	char rec[1024 + HDR];
	uint64_t i;
	size_t len;
	double t0;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
	    0600)) == -1)
		die(path);
	memset(rec, 0, HDR);
	t0 = bench_now();
	for (i = 1; i <= n; i++) {
		len = event_line(i, rec + HDR, sizeof(rec) - HDR);
		if (write(fd, rec, HDR + len) != (ssize_t)(HDR + len))
			die("write");
		if (i % group == 0 && fdatasync(fd) == -1)
			die("fdatasync");
	}
	if (n % group != 0 && fdatasync(fd) == -1)
		die("fdatasync");
	t0 = bench_now() - t0;
	close(fd);
	return t0;
}

/*
 * Spool and raw runs alternate, ROUNDS each, so that other load on the
 * disk falls on both alike.
 */
static void
bench_append(uint64_t max, double secs)
{
	static const uint64_t groups[] = { 1, 64, 512 };
	char dir[8192], raw[8192];
	uint64_t n, bytes, tn, tbytes;
	double ts, tr, sum_s, sum_r;
	size_t i;
	int round;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		tn = tbytes = 0;
		sum_s = sum_r = 0;
		for (round = 0; round < ROUNDS; round++) {
			snprintf(dir, sizeof(dir), "%s/append-%" PRIu64, work,
			    groups[i]);
			snprintf(raw, sizeof(raw), "%s/raw-%" PRIu64, work,
			    groups[i]);
			ts = secs;
			n = append_run(dir, groups[i], max, &ts, &bytes);
			tr = raw_run(raw, groups[i], n);
			rm_tree(dir);
			unlink(raw);
			tn += n;
			tbytes += bytes;
			sum_s += ts;
			sum_r += tr;
		}
		printf("spool %3" PRIu64 "-group: %8.0f rec/s %6.2f MB/s; "
		    "raw write+fdatasync %3" PRIu64 "-group: %8.0f rec/s "
		    "%6.2f MB/s; ratio %.2f  (%d rounds, %" PRIu64 " records, "
		    "%.1f MB, avg %.0f B)\n", groups[i], (double)tn / sum_s,
		    (double)tbytes / sum_s / 1e6, groups[i],
		    (double)tn / sum_r, (double)tbytes / sum_r / 1e6,
		    sum_r / sum_s, ROUNDS, tn, (double)tbytes / 1e6,
		    (double)tbytes / (double)tn);
		fflush(stdout);
	}
}

/* read() of every file in dir, 1 MiB at a time: the limit recovery meets. */
static double
cat_dir(const char *dir, uint64_t *bytes)
{
	static char b[1 << 20];
	struct dirent *de;
	char p[8192];
	ssize_t r;
	double t0;
	DIR *d;
	int fd;

	*bytes = 0;
	t0 = bench_now();
	if ((d = opendir(dir)) == NULL)
		die(dir);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "seg-", 4) != 0)
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(p))
			continue;
		if ((fd = open(p, O_RDONLY)) == -1)
			die(p);
		while ((r = read(fd, b, sizeof(b))) > 0)
			*bytes += (uint64_t)r;
		if (r == -1)
			die(p);
		close(fd);
	}
	closedir(d);
	return bench_now() - t0;
}

static void
bench_recovery(uint64_t max_bytes, double secs)
{
	struct spool_stats st;
	struct spool *sp;
	struct buf out;
	char dir[8192], line[1024];
	uint64_t n = 0, bytes = 0, seq, after, last, read_n = 0, cat_bytes;
	size_t len;
	double t0, tw, topen, tread, tcat;
	int r;

	snprintf(dir, sizeof(dir), "%s/backlog", work);
	sp = bench_open(dir, max_bytes + (64 << 20), 512);
	t0 = bench_now();
	while (bytes < max_bytes &&
	    (n % 1024 != 0 || bench_now() - t0 < secs)) {
		seq = spool_next_seq(sp);
		len = event_line(seq, line, sizeof(line));
		if (spool_append(sp, seq, line, len) == -1)
			die("spool_append");
		bytes += HDR + len;
		n++;
	}
	spool_close(sp);
	tw = bench_now() - t0;

	t0 = bench_now();
	sp = bench_open(dir, max_bytes + (64 << 20), 512);
	topen = bench_now() - t0;
	buf_init(&out, READ_OUT);
	after = spool_acked(sp);
	t0 = bench_now();
	for (;;) {
		buf_reset(&out);
		if ((r = spool_read(sp, after, &out, READ_BATCH, &last)) == -1)
			die("spool_read");
		if (r == 0)
			break;
		read_n += (uint64_t)r;
		after = last;
	}
	tread = bench_now() - t0;
	spool_stats(sp, &st);
	spool_close(sp);
	buf_free(&out);
	tcat = cat_dir(dir, &cat_bytes);

	printf("backlog: %" PRIu64 " records, %.1f MiB in %" PRIu64
	    " segments, spooled in %.1f s (512-group)\n", n,
	    (double)bytes / (1 << 20), st.segments, tw);
	if (read_n != n || st.torn_bytes != 0)
		printf("MISMATCH: read %" PRIu64 " of %" PRIu64 ", torn %"
		    PRIu64 "\n", read_n, n, st.torn_bytes);
	printf("recovery (warm cache): spool_open %.3f s + spool_read all "
	    "%.3f s = %.3f s (%.0f MB/s, %.0f rec/s); sequential read() of "
	    "the same %.1f MiB: %.3f s (%.0f MB/s); ratio %.2f\n", topen,
	    tread, topen + tread, (double)bytes / (topen + tread) / 1e6,
	    (double)read_n / (topen + tread), (double)cat_bytes / (1 << 20),
	    tcat, (double)cat_bytes / tcat / 1e6, tcat / (topen + tread));
	rm_tree(dir);
}

int
main(int argc, char *argv[])
{
	const char *base = "/var/tmp";
	char line[1024];
	double load[3];
	uint64_t max = 100000, backlog = 1024;
	double secs = 5, bsecs = 120;
	int ch;

	while ((ch = getopt(argc, argv, "b:d:n:t:T:")) != -1) {
		switch (ch) {
		case 'b':
			backlog = (uint64_t)bench_num(optarg, 1, 1 << 20);
			break;
		case 'd':
			base = optarg;
			break;
		case 'n':
			max = (uint64_t)bench_num(optarg, 1, 100000000);
			break;
		case 't':
			secs = (double)bench_num(optarg, 1, 3600);
			break;
		case 'T':
			bsecs = (double)bench_num(optarg, 1, 3600);
			break;
		default:
			fprintf(stderr, "usage: spool_bench [-d DIR] [-n RECORDS] "
			    "[-t SECONDS] [-b MIB] [-T SECONDS]\n");
			return 1;
		}
	}
	if (snprintf(work, sizeof(work), "%s/spool-bench.XXXXXX", base) >=
	    (int)sizeof(work) || mkdtemp(work) == NULL)
		die(base);
	if (getloadavg(load, 3) != 3)
		load[0] = load[1] = load[2] = -1;
	printf("spool_bench in %s (%s); event lines ~%zu B + %d B header; "
	    "load average %.2f %.2f %.2f on %ld CPUs\n", work, fs_name(work),
	    event_line(1000000, line, sizeof(line)), HDR, load[0], load[1],
	    load[2], sysconf(_SC_NPROCESSORS_ONLN));
	bench_append(max, secs);
	bench_recovery(backlog << 20, bsecs);
	rm_tree(work);
	return 0;
}
