/*
 * Logging, after OpenBSD's log.c.  Messages carry the process name as a
 * prefix; they go to stderr in the foreground and to syslog otherwise.
 * log_warn and fatal append strerror(errno).
 */
#ifndef DIAS_LOG_H
#define DIAS_LOG_H

#include <stdarg.h>

void	log_init(int foreground, int verbose, int facility);
void	log_procinit(const char *name);
void	log_setverbose(int verbose);
int	log_getverbose(void);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	vlog(int pri, const char *, va_list) __attribute__((format(printf, 2, 0)));
__attribute__((noreturn)) void fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
