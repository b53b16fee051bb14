/*
 * Request routing: method NUL path.  A routed capture name is one plain
 * file name: no '/', no leading '.', nothing outside [A-Za-z0-9._-].
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route r;
	char *buf, *path;
	size_t i;
	int rc;

	if ((buf = malloc(size + 2)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	buf[size + 1] = '\0';
	path = buf + strlen(buf) + 1;
	if (path > buf + size)
		path = buf + size + 1;
	rc = route_parse(buf, path, &r);
	CHECK(rc == 0 || rc == 404 || rc == 405);
	if (rc == 0 && r.id == ROUTE_CAPTURE) {
		CHECK(r.sensor);
		CHECK(r.name[0] != '\0' && r.name[0] != '.');
		for (i = 0; r.name[i] != '\0'; i++)
			CHECK(strchr("/\\", r.name[i]) == NULL);
		CHECK(route_name_ok(r.name, strlen(r.name)));
	}
	free(buf);
	return 0;
}
