/*
 * Request routing.  Paths are matched exactly: no trailing slash, no
 * "..", no empty segments, so a capture name is always one plain file
 * name below the sensor's own directory.
 */
#include <stddef.h>
#include <string.h>

#include "route.h"

struct endpoint {
	const char	*path;		/* exact, or a prefix ending in '/' */
	const char	*method;
	enum route_id	 id;
	int		 sensor;
	int		 named;		/* path is a prefix; the rest a name */
	int		 upload;	/* the name is a sha256 */
};

static const struct endpoint endpoints[] = {
	{ "/healthz",			"GET",	ROUTE_HEALTHZ,	 0, 0, 0 },
	{ "/metrics",			"GET",	ROUTE_METRICS,	 0, 0, 0 },
	{ "/api/v1/sensor/events",	"POST",	ROUTE_EVENTS,	 1, 0, 0 },
	{ "/api/v1/sensor/heartbeat",	"POST",	ROUTE_HEARTBEAT, 1, 0, 0 },
	{ "/api/v1/sensor/captures/",	"PUT",	ROUTE_CAPTURE,	 1, 1, 0 },
	{ "/api/v1/sensor/uploads/",	"PUT",	ROUTE_CAPTURE,	 1, 1, 1 },
	{ "/api/v1/enroll",		"POST",	ROUTE_ENROLL,	 0, 0, 0 },
};

int
route_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > ROUTE_NAME_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return 0;
	}
	return 1;
}

/* 64 lowercase hex digits: a SHA-256, the one way to name a blob. */
static int
sha256_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len != 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return 1;
}

int
route_parse(const char *method, const char *path, struct route *r)
{
	const struct endpoint *e;
	size_t i, plen, len;
	int known = 0;

	memset(r, 0, sizeof(*r));
	len = strlen(path);
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		e = &endpoints[i];
		plen = strlen(e->path);
		if (e->named) {
			if (len <= plen || strncmp(path, e->path, plen) != 0 ||
			    !route_name_ok(path + plen, len - plen) ||
			    (e->upload && !sha256_name_ok(path + plen,
			    len - plen)))
				continue;
		} else if (strcmp(path, e->path) != 0)
			continue;
		known = 1;
		if (strcmp(method, e->method) != 0 &&
		    !(strcmp(method, "HEAD") == 0 &&
		    strcmp(e->method, "GET") == 0))
			continue;
		r->id = e->id;
		r->sensor = e->sensor;
		r->upload = e->upload;
		if (e->named)
			memcpy(r->name, path + plen, len - plen + 1);
		return 0;
	}
	return known ? 405 : 404;
}
