/*
 * An event batch as a sensor sends it: NDJSON, one event per line
 * (lib/event.h).  ingest_parse splits and decodes it before anything is
 * stored, so a batch is taken whole or not at all.
 */
#ifndef DIAS_INGEST_H
#define DIAS_INGEST_H

#include <stddef.h>
#include <stdint.h>

struct event;

struct ingest_batch {
	struct event	*evs;
	const char	**lines;	/* point into the body; no newline */
	size_t		*lens;
	size_t		 n;
	uint64_t	 last_seq;	/* the highest, which is the last */
};

/* Outcomes of ingest_parse. */
#define INGEST_OK		0
#define INGEST_MALFORMED	-1	/* 400: err names the line */
#define INGEST_FORBIDDEN	-2	/* 403: a line of another sensor */

/*
 * Split body (len bytes, not NUL-terminated) into events.  Every line
 * must decode (event_decode), be at most max_line bytes, carry sensor
 * as its "sensor", and have a seq above the line before; there are at
 * most max_events lines; the last line may lack its '\n'.  On success b
 * holds the events (free with ingest_batch_free; the lines point into
 * body, which must outlive b).  On failure err says "line N: why" and b
 * is empty.
 */
int	 ingest_parse(const char *body, size_t len, const char *sensor,
	    size_t max_line, size_t max_events, struct ingest_batch *b,
	    char *err, size_t errlen);
void	 ingest_batch_free(struct ingest_batch *);

#endif
