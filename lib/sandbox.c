/*
 * Privilege drop and seccomp allowlists, per role (sandbox.h).
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

int
sandbox_user(const char *name, struct sandbox_user *u)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		errno = EPERM;
		return -1;
	}
	memset(u, 0, sizeof(*u));
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	strlcpy(u->name, name, sizeof(u->name));
	return 0;
}

int
sandbox_drop(const char *dir, const struct sandbox_user *u)
{
	uid_t ruid, euid, suid;

	if (dir != NULL) {
		if (chroot(dir) == -1 || chdir("/") == -1)
			return -1;
	}
	if (setgroups(1, &u->gid) == -1 ||
	    setresgid(u->gid, u->gid, u->gid) == -1 ||
	    setresuid(u->uid, u->uid, u->uid) == -1)
		return -1;
	if (getresuid(&ruid, &euid, &suid) == -1)
		return -1;
	if (ruid != u->uid || euid != u->uid || suid != u->uid ||
	    setuid(0) != -1) {
		errno = EPERM;
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return 0;
}

/* What every role needs: I/O on descriptors it was given, its event
 * loop, memory, time and randomness, and a way out. */
static const int sc_common[] = {
	SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(write), SCMP_SYS(writev),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom),
	SCMP_SYS(sendto), SCMP_SYS(close), SCMP_SYS(fcntl),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_pwait2),
	SCMP_SYS(epoll_ctl), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(mprotect), SCMP_SYS(madvise), SCMP_SYS(brk),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(getrandom), SCMP_SYS(futex), SCMP_SYS(getpid),
	SCMP_SYS(gettid), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
	SCMP_SYS(lseek), SCMP_SYS(getsockopt),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall), SCMP_SYS(sched_yield),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* The engine half-closes a service command's socket when the
	 * peer is done (the command then reads EOF). */
	SCMP_SYS(shutdown),
};

/* Writing files inside the chroot. */
static const int sc_files[] = {
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(rename),
	SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(unlink),
	SCMP_SYS(unlinkat), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
	SCMP_SYS(ftruncate), SCMP_SYS(statx), SCMP_SYS(getdents64),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(stat),
	SCMP_SYS(mkdir), SCMP_SYS(mkdirat),	/* spool_open makes its dir */
	SCMP_SYS(fchmod),			/* file_write_atomic */
};

/* The shipper's HTTPS client (libcurl, GnuTLS) on the TCP sockets
 * sandbox_filter lets it make. */
static const int sc_client[] = {
	SCMP_SYS(connect), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(setsockopt), SCMP_SYS(shutdown),
};

/* Asked for by libc now and then; refused softly rather than fatally. */
static const int sc_refused[] = {
	SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(openat),
	SCMP_SYS(open),
};


#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif

#ifdef SANDBOX_SANITIZER
/* What ASan/UBSan's runtime calls when it reports or exits. */
static const int sc_sanitizer[] = {
	SCMP_SYS(sigaltstack), SCMP_SYS(rt_sigaction), SCMP_SYS(prlimit64),
	SCMP_SYS(getrlimit), SCMP_SYS(readlink), SCMP_SYS(readlinkat),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(getppid), SCMP_SYS(uname),
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(wait4),
	SCMP_SYS(ptrace), SCMP_SYS(prctl), SCMP_SYS(getpid),
	SCMP_SYS(kill), SCMP_SYS(tgkill),
};
#endif

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
allow(scmp_filter_ctx ctx, const int *sc, size_t n, uint32_t action)
{
	size_t i;
	int rv;

	for (i = 0; i < n; i++) {
		/* A syscall the architecture lacks is negative: skip it. */
		if (sc[i] < 0)
			continue;
		if ((rv = seccomp_rule_add(ctx, action, sc[i], 0)) < 0 &&
		    rv != -EEXIST) {
			errno = -rv;
			return -1;
		}
	}
	return 0;
}

int
sandbox_filter(enum sandbox_role role)
{
	scmp_filter_ctx ctx;
	int rv, files = role != SANDBOX_ENGINE;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (allow(ctx, sc_common, NELEM(sc_common), SCMP_ACT_ALLOW) == -1)
		goto fail;
	if (files && allow(ctx, sc_files, NELEM(sc_files),
	    SCMP_ACT_ALLOW) == -1)
		goto fail;
#ifdef SANDBOX_SANITIZER
	if (allow(ctx, sc_sanitizer, NELEM(sc_sanitizer),
	    SCMP_ACT_ALLOW) == -1)
		goto fail;
#endif
	if (role == SANDBOX_SHIPPER) {
		/* TCP over IPv4 or IPv6 only: socket(2)'s domain and type
		 * (without SOCK_NONBLOCK, SOCK_CLOEXEC) are checked. */
		static const int domains[] = { AF_INET, AF_INET6 };
		static const int soft[] = { AF_UNIX, AF_NETLINK };
		size_t i;

		if (allow(ctx, sc_client, NELEM(sc_client),
		    SCMP_ACT_ALLOW) == -1)
			goto fail;
		for (i = 0; i < NELEM(domains); i++)
			if ((rv = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			    SCMP_SYS(socket), 2,
			    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)domains[i], 0),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf,
			    SOCK_STREAM))) < 0) {
				errno = -rv;
				goto fail;
			}
		/* Refused softly: curl probes IPv6 with a datagram socket;
		 * syslog reconnects over AF_UNIX. */
		for (i = 0; i < NELEM(domains); i++)
			if ((rv = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
			    SCMP_SYS(socket), 2,
			    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)domains[i], 0),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf,
			    SOCK_DGRAM))) < 0) {
				errno = -rv;
				goto fail;
			}
		for (i = 0; i < NELEM(soft); i++)
			if ((rv = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
			    SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ,
			    (scmp_datum_t)soft[i], 0))) < 0) {
				errno = -rv;
				goto fail;
			}
	} else if (allow(ctx, sc_refused, NELEM(sc_refused),
	    SCMP_ACT_ERRNO(EACCES)) == -1)
		/* Rules already added as ALLOW stay (EEXIST is skipped). */
		goto fail;
	if ((rv = seccomp_load(ctx)) < 0) {
		errno = -rv;
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
 fail:
	rv = errno;
	seccomp_release(ctx);
	errno = rv;
	return -1;
}

const char *
sandbox_role_name(enum sandbox_role role)
{
	switch (role) {
	case SANDBOX_ENGINE:
		return "engine";
	case SANDBOX_CAPTURE:
		return "capture";
	case SANDBOX_SHIPPER:
		return "shipper";
	}
	return "?";
}
