/*
 * honeyd log lines (diasctl import honeyd-log): any bytes, no crash; a
 * parsed line has a known protocol and type and a NUL-terminated OS.
 */
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct honeyd_rec r;
	char err[256];

	err[0] = '\0';
	if (honeyd_parse_line((const char *)data, size, &r, err,
	    sizeof(err)) == -1) {
		CHECK(err[0] != '\0');
		return 0;
	}
	CHECK(r.proto == IPPROTO_TCP || r.proto == IPPROTO_UDP ||
	    r.proto == IPPROTO_ICMP);
	CHECK(r.type == 'S' || r.type == 'E' || r.type == '-');
	CHECK(memchr(r.os, '\0', sizeof(r.os)) != NULL);
	CHECK(r.src.af != 0 && r.dst.af != 0);
	return 0;
}
