/*
 * Logging, after OpenBSD's log.c.  Not thread-safe by design: each DIAS
 * process logs from its single event loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int	 log_foreground = 1;
static int	 log_verbose;
static const char *log_procname = "dias";

void
log_init(int foreground, int verbose, int facility)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog(getprogname(), LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *name)
{
	if (name != NULL)
		log_procname = name;
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
log_str(int pri, const char *msg)
{
	if (log_foreground) {
		fprintf(stderr, "%s: %s\n", log_procname, msg);
		fflush(stderr);
	} else
		syslog(pri, "%s: %s", log_procname, msg);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_str(pri, msg);
}

/* Format fmt, then append ": strerror(saved)" when saved is set. */
static void __attribute__((format(printf, 3, 0)))
vlog_errno(int pri, int saved, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	if (fmt == NULL) {
		snprintf(msg, sizeof(msg), "%s", strerror(saved));
	} else {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		n = strlen(msg);
		if (saved != 0 && n < sizeof(msg))
			snprintf(msg + n, sizeof(msg) - n, ": %s",
			    strerror(saved));
	}
	log_str(pri, msg);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
