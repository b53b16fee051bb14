/*
 * Bounded growable byte buffer, after curl's dynbuf.  Every buffer gets its
 * maximum size at creation; growing past it fails with ENOBUFS and leaves
 * the contents untouched, so the caller decides what to do.
 */
#ifndef DIAS_BUF_H
#define DIAS_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*data;
	size_t	 len;	/* bytes in use */
	size_t	 cap;	/* bytes allocated */
	size_t	 max;	/* hard limit on len */
};

void	 buf_init(struct buf *, size_t max);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);	/* len = 0, keeps the allocation */
int	 buf_add(struct buf *, const void *, size_t);
int	 buf_addc(struct buf *, uint8_t);
int	 buf_addstr(struct buf *, const char *);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
int	 buf_reserve(struct buf *, size_t extra);
void	 buf_consume(struct buf *, size_t);	/* drop n bytes from the front */
/* A NUL-terminated view of the contents (the NUL is not counted in len). */
const char *buf_cstr(struct buf *);

#endif
