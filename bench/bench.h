/*
 * What the benchmark programs share: the clock they time with and the
 * parsing of their numeric arguments.
 */
#ifndef DIAS_BENCH_H
#define DIAS_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The monotonic clock, in seconds. */
static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* s as a decimal in [lo, hi]; anything else ends the program. */
static inline long
bench_num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "%s: bad number %s\n",
		    program_invocation_short_name, s);
		exit(1);
	}
	return v;
}

#endif
