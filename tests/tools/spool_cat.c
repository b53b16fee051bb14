/*
 * spool_cat: print the event lines in a sensor's spool directory, in seq
 * order, without touching it (the lab tests read a live sensor's spool).
 * The format is sensor/spool.h's: segment files seg-<seq>.spool of
 * records uint32 len | uint32 crc32c | uint64 seq | len bytes of JSON,
 * little endian.  The CRC is not checked here: the spool checks it when
 * it recovers; a reader of a live spool stops at the first record that
 * is not whole yet.
 *
 *	spool_cat DIR
 *
 * Exits 0, or 1 when the directory cannot be read or a segment holds a
 * record that cannot be one (length over EVENT_LINE_MAX, seq going back).
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print one segment's whole records; 0, or -1 on a record that cannot
 * be one.  *last is the seq printed last, across segments. */
static int
cat_segment(const char *dir, const char *name, char *json, uint64_t *last)
{
	char path[4096];
	uint8_t hdr[16];
	uint32_t len;
	uint64_t seq;
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)	/* acked and deleted meanwhile */
			return 0;
		fprintf(stderr, "spool_cat: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fread(hdr, sizeof(hdr), 1, f) == 1) {
		memcpy(&len, hdr, 4);
		memcpy(&seq, hdr + 8, 8);
		len = le32toh(len);
		seq = le64toh(seq);
		if (len == 0 || len > EVENT_LINE_MAX || seq <= *last) {
			fprintf(stderr, "spool_cat: %s: bad record after seq "
			    "%llu\n", path, (unsigned long long)*last);
			rc = -1;
			break;
		}
		if (fread(json, len, 1, f) != 1)
			break;		/* being written */
		fwrite(json, len, 1, stdout);
		putchar('\n');
		*last = seq;
	}
	fclose(f);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct dirent *de;
	char **names = NULL, *json;
	size_t n = 0, i;
	uint64_t last = 0;
	DIR *d;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: spool_cat DIR\n");
		return 2;
	}
	if ((d = opendir(argv[1])) == NULL) {
		fprintf(stderr, "spool_cat: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (strncmp(de->d_name, "seg-", 4) != 0 || l < 10 ||
		    strcmp(de->d_name + l - 6, ".spool") != 0)
			continue;
		if ((names = reallocarray(names, n + 1, sizeof(*names))) ==
		    NULL || (names[n] = strdup(de->d_name)) == NULL) {
			perror("spool_cat");
			return 1;
		}
		n++;
	}
	closedir(d);
	/* Zero-padded first seqs: name order is seq order. */
	qsort(names, n, sizeof(*names), by_name);
	if ((json = malloc(EVENT_LINE_MAX)) == NULL) {
		perror("spool_cat");
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && cat_segment(argv[1], names[i], json, &last) == -1)
			rc = 1;
		free(names[i]);
	}
	free(names);
	free(json);
	return rc;
}
