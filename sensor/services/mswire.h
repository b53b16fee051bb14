/*
 * Little-endian readers and a bounded writer for the Microsoft wire
 * formats (SMB1, SMB2, NTLMSSP, DCE/RPC with NDR little endian), shared
 * by smb.c, dcerpc.c and msrpc.c.
 *
 * A struct mw writes into a caller's fixed array; a write that does not
 * fit sets err and writes nothing, so a builder checks err once at the
 * end instead of after every field.
 */
#ifndef DIAS_MSWIRE_H
#define DIAS_MSWIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

struct mw {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;
	int		 err;
};

static inline void
mw_init(struct mw *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

static inline void
mw_bytes(struct mw *w, const void *d, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->len, d, n);
	w->len += n;
}

static inline void
mw_zero(struct mw *w, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return;
	}
	memset(w->p + w->len, 0, n);
	w->len += n;
}

static inline void
mw_u8(struct mw *w, uint8_t v)
{
	mw_bytes(w, &v, 1);
}

static inline void
mw_le16(struct mw *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	mw_bytes(w, b, 2);
}

static inline void
mw_le32(struct mw *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	mw_bytes(w, b, 4);
}

static inline void
mw_le64(struct mw *w, uint64_t v)
{
	mw_le32(w, (uint32_t)v);
	mw_le32(w, (uint32_t)(v >> 32));
}

/* Zeros up to a multiple of a, counted from from. */
static inline void
mw_align(struct mw *w, size_t from, size_t a)
{
	size_t off = (w->len - from) % a;

	if (off != 0)
		mw_zero(w, a - off);
}

/* Patch a field already written (off + size <= len). */
static inline void
mw_set16(struct mw *w, size_t off, uint16_t v)
{
	if (!w->err && off + 2 <= w->len) {
		w->p[off] = (uint8_t)v;
		w->p[off + 1] = (uint8_t)(v >> 8);
	}
}

static inline void
mw_set32(struct mw *w, size_t off, uint32_t v)
{
	if (!w->err && off + 4 <= w->len) {
		w->p[off] = (uint8_t)v;
		w->p[off + 1] = (uint8_t)(v >> 8);
		w->p[off + 2] = (uint8_t)(v >> 16);
		w->p[off + 3] = (uint8_t)(v >> 24);
	}
}

/* An ASCII string as UTF-16LE, without a NUL. */
static inline void
mw_utf16(struct mw *w, const char *s)
{
	for (; *s != '\0'; s++)
		mw_le16(w, (uint8_t)*s);
}

/*
 * UTF-16LE bytes (attacker's) to UTF-8 in out (cap > 0), cut to fit,
 * stopping at a NUL.  Surrogates become '?'.  Returns the length.
 */
static inline size_t
mw_from_utf16(const uint8_t *d, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;
	uint16_t c;

	for (i = 0; i + 1 < len; i += 2) {
		c = le16(d + i);
		if (c == 0)
			break;
		if (c >= 0xd800 && c < 0xe000)
			c = '?';
		if (c < 0x80) {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)c;
		} else if (c < 0x800) {
			if (o + 2 >= cap)
				break;
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			if (o + 3 >= cap)
				break;
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
	return o;
}

/* Hex of d (at most (cap - 1) / 2 bytes) into out. */
static inline size_t
mw_hex(const uint8_t *d, size_t len, char *out, size_t cap)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len && 2 * i + 2 < cap; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 0xf];
	}
	out[2 * i] = '\0';
	return 2 * i;
}

#endif
