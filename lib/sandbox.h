/*
 * Jailing a child process: chroot, drop to an unprivileged user, forbid
 * new privileges, then a seccomp allowlist for the process's role.
 *
 * The order matters and is fixed: sandbox_drop() (chroot needs root, the
 * setres*id calls come last), then the role sets up what it cannot do
 * later (libevent's epoll instance), then sandbox_filter().  A system call
 * outside the allowlist kills the process with SIGSYS, which the parent
 * reports; open and socket calls fail with EACCES instead, so that libc
 * trying a file (a time zone, syslog reconnecting) logs a warning rather
 * than taking the sensor down.
 */
#ifndef DIAS_SANDBOX_H
#define DIAS_SANDBOX_H

#include <sys/types.h>

enum sandbox_role {
	SANDBOX_ENGINE,		/* passed fds, rings, no files, no sockets */
	SANDBOX_CAPTURE,	/* + create and write files (chrooted there) */
	SANDBOX_SHIPPER		/* + files, TCP client sockets (IPv4, IPv6) */
};

struct sandbox_user {
	uid_t	 uid;
	gid_t	 gid;
	char	 name[64];
};

/* Look the user up (call before chroot).  -1 with errno ENOENT if there
 * is no such user, and root (uid 0) is refused with EPERM. */
int	 sandbox_user(const char *name, struct sandbox_user *);

/*
 * chroot(dir) and chdir("/"), then setgroups to just the user's group,
 * setresgid, setresuid, and PR_SET_NO_NEW_PRIVS; checks that root cannot
 * be regained.  dir NULL skips the chroot.  -1 with errno on failure: the
 * caller must exit, the process is half-jailed.
 */
int	 sandbox_drop(const char *dir, const struct sandbox_user *);

/* Load the role's seccomp filter (mode 2).  -1 with errno on failure. */
int	 sandbox_filter(enum sandbox_role);

const char *sandbox_role_name(enum sandbox_role);

#endif
