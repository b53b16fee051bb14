/*
 * Request routing: method and (already percent-decoded) path to an
 * endpoint.  Kept apart from the HTTP front so it can be fuzzed alone.
 */
#ifndef DIAS_ROUTE_H
#define DIAS_ROUTE_H

#define ROUTE_NAME_MAX	128

enum route_id {
	ROUTE_NONE,
	ROUTE_HEALTHZ,		/* GET  /healthz */
	ROUTE_METRICS,		/* GET  /metrics */
	ROUTE_EVENTS,		/* POST /api/v1/sensor/events */
	ROUTE_HEARTBEAT,	/* POST /api/v1/sensor/heartbeat */
	ROUTE_CAPTURE,		/* PUT  /api/v1/sensor/captures/{name},
				   and /api/v1/sensor/uploads/{sha256}
				   (route.upload): both stream a file */
	ROUTE_ENROLL,		/* POST /api/v1/enroll */
};

struct route {
	enum route_id	 id;
	int		 sensor;	/* needs a sensor's client certificate */
	int		 upload;	/* ROUTE_CAPTURE of an uploaded blob:
					   name is its lowercase hex sha256 */
	char		 name[ROUTE_NAME_MAX + 1];	/* {name}, if any */
};

/*
 * 0 and r filled; or the HTTP status to answer: 404 (no such path, or
 * a {name} that is not [A-Za-z0-9_-][A-Za-z0-9._-]*, at most
 * ROUTE_NAME_MAX bytes, or for uploads not 64 lowercase hex digits) or
 * 405 (path known, method not).
 */
int	 route_parse(const char *method, const char *path, struct route *r);
/* A file name as route_parse accepts it. */
int	 route_name_ok(const char *name, size_t len);

#endif
