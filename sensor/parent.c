/*
 * The root parent: see parent.h.  The process table is here; each role's
 * code lives in its own file (engine.c, capture.c, shipper.c).
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "capture.h"
#include "conf.h"
#include "engine.h"
#include "enroll.h"
#include "firewall.h"
#include "log.h"
#include "msg.h"
#include "parent.h"
#include "proc.h"
#include "ring.h"
#include "sandbox.h"
#include "script.h"
#include "shipper.h"

#define PARENT_IFACES		16
#define NEIGH_INTERVAL_S	5
#define FILTER_MAX		(16 * 1024)
#define FILTER_TERMS_MAX	256	/* beyond this, capture everything */
#define STOP_WAIT_MS		3000

/* The process table (DESIGN.md §3). */
static const struct proc procs[PROC_MAX] = {
	[PROC_PARENT] =	 { "parent",  PROC_PARENT,  NULL },
	[PROC_ENGINE] =	 { "engine",  PROC_ENGINE,  engine_main },
	[PROC_CAPTURE] = { "capture", PROC_CAPTURE, capture_main },
	[PROC_SHIPPER] = { "shipper", PROC_SHIPPER, shipper_main },
};

struct parent_if {
	struct msg_ring	 mr;
	int		 fd_engine, fd_capture;	/* rings, until passed */
};

struct parent {
	struct conf			*conf;
	const struct sensor_opts	*opts;
	struct event_base		*base;
	struct parent_if		 ifs[PARENT_IFACES];
	size_t				 nifs;
	pid_t				 pid[PROC_MAX];
	int				 chan[PROC_MAX];	/* ours */
	int				 fw_installed;
	int				 fd_hlog;	/* until passed */
	struct script_runner		*scripts;
	struct msgbuf			*mb_engine;
	struct event			*ev_engine;
	int				 stopping;
	int				 status;
	int				 nl;		/* rtnetlink, neighbours */
	uint32_t			 nl_seq;
	struct event			*ev_nl, *ev_nl_tick;
	struct event			*ev_sig[5];
};

static struct parent *the_parent;
static pid_t parent_pid;

static const char *
proc_name(enum proc_id id)
{
	return id < PROC_MAX ? procs[id].name : "?";
}

void
proc_jail(const struct proc_env *env, const char *dir, enum sandbox_role role)
{
	if (sandbox_drop(dir, &env->user) == -1)
		fatal("cannot drop privileges to %s in %s", env->user.name,
		    dir != NULL ? dir : "/");
	if (sandbox_filter(role) == -1)
		fatal("cannot load the %s seccomp filter",
		    sandbox_role_name(role));
	log_debug("jailed: uid %u, chroot %s, seccomp %s",
	    (unsigned)env->user.uid, dir != NULL ? dir : "-",
	    sandbox_role_name(role));
}

/*
 * Interfaces: index, MAC and the host's own addresses.
 */
static int
iface_lookup(const char *name, struct msg_ring *mr)
{
	struct ifaddrs *ifa, *p;
	struct ifreq ifr;
	int s;

	memset(mr, 0, sizeof(*mr));
	if (strlen(name) >= sizeof(mr->ifname) ||
	    (mr->ifindex = (int)if_nametoindex(name)) == 0) {
		log_warnx("interface %s does not exist", name);
		return -1;
	}
	strlcpy(mr->ifname, name, sizeof(mr->ifname));
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == -1) {
		log_warn("%s: SIOCGIFHWADDR", name);
		close(s);
		return -1;
	}
	close(s);
	memcpy(mr->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (getifaddrs(&ifa) == -1) {
		log_warn("getifaddrs");
		return -1;
	}
	for (p = ifa; p != NULL; p = p->ifa_next) {
		struct addr *a;

		if (p->ifa_addr == NULL || strcmp(p->ifa_name, name) != 0 ||
		    mr->naddrs == PROC_IFACE_ADDRS)
			continue;
		a = &mr->addrs[mr->naddrs];
		memset(a, 0, sizeof(*a));
		if (p->ifa_addr->sa_family == AF_INET) {
			a->af = AF_INET;
			memcpy(a->a, &((struct sockaddr_in *)(void *)
			    p->ifa_addr)->sin_addr, 4);
			mr->naddrs++;
		} else if (p->ifa_addr->sa_family == AF_INET6) {
			a->af = AF_INET6;
			memcpy(a->a, &((struct sockaddr_in6 *)(void *)
			    p->ifa_addr)->sin6_addr, 16);
			mr->naddrs++;
		}
	}
	freeifaddrs(ifa);
	return 0;
}

/*
 * BPF filters, as pcap expressions.
 */

/* Append the CIDRs covering [lo, hi] as "net X/n" terms joined by " or ".
 * Returns the terms added, or -1 when the buffer is full. */
static int
add_range_terms(struct buf *b, const struct addr *lo, const struct addr *hi,
    size_t *nterms)
{
	struct cidr c;
	struct addr cur = *lo, end;
	char s[CIDR_STRLEN];
	int bits = addr_bits(lo), plen;

	for (;;) {
		/* The shortest prefix starting at cur that stays <= hi. */
		for (plen = 0; plen <= bits; plen++) {
			c.addr = cur;
			c.plen = (uint8_t)plen;
			{
				struct addr first;

				cidr_bounds(&c, &first, &end);
				if (addr_eq(&first, &cur) &&
				    addr_cmp(&end, hi) <= 0)
					break;
			}
		}
		cidr_fmt(&c, s, sizeof(s));
		if (buf_printf(b, "%snet %s", *nterms ? " or " : "", s) == -1)
			return -1;
		(*nterms)++;
		if (addr_cmp(&end, hi) >= 0 || *nterms > FILTER_TERMS_MAX)
			return 0;
		cur = end;
		if (addr_inc(&cur) == -1)
			return 0;
	}
}

static int
add_set_terms(struct buf *b, const struct addrset *set, size_t *nterms)
{
	struct addr lo, hi;
	size_t i;

	for (i = 0; set != NULL && i < addrset_nranges(set); i++) {
		addrset_range(set, i, &lo, &hi);
		if (add_range_terms(b, &lo, &hi, nterms) == -1)
			return -1;
		if (*nterms > FILTER_TERMS_MAX)
			return 0;
	}
	return 0;
}

/* The engine sees ARP and IP not addressed to the host itself. */
static int
engine_filter(const struct msg_ring *mr, char *out, size_t outlen)
{
	char s[ADDR_STRLEN];
	size_t i;
	int n, used;

	used = snprintf(out, outlen, "arp or ((ip or ip6)");
	for (i = 0; i < mr->naddrs && used > 0 && (size_t)used < outlen;
	    i++) {
		addr_fmt(&mr->addrs[i], s, sizeof(s));
		n = snprintf(out + used, outlen - (size_t)used, "%s%s%s",
		    i == 0 ? " and not (" : " or ", "dst host ", s);
		used = n < 0 ? -1 : used + n;
	}
	if (used > 0 && (size_t)used < outlen)
		used += snprintf(out + used, outlen - (size_t)used, "%s)",
		    mr->naddrs > 0 ? ")" : "");
	return used > 0 && (size_t)used < outlen ? 0 : -1;
}

/* Capture keeps ARP, NDP, the claimed and bound ranges and the sensor's
 * own traffic; with too many ranges, everything. */
static int
capture_filter(const struct conf *conf, const struct msg_ring *mr,
    char *out, size_t outlen)
{
	struct buf b;
	char s[ADDR_STRLEN];
	size_t i, nterms = 1;
	int rv = -1;

	buf_init(&b, FILTER_MAX);
	if (buf_addstr(&b, "arp or icmp6") == -1 ||
	    add_set_terms(&b, conf_claimed(conf), &nterms) == -1 ||
	    add_set_terms(&b, conf_bound(conf), &nterms) == -1)
		goto done;
	for (i = 0; i < mr->naddrs; i++) {
		addr_fmt(&mr->addrs[i], s, sizeof(s));
		if (buf_printf(&b, " or host %s", s) == -1)
			goto done;
	}
	if (nterms > FILTER_TERMS_MAX) {
		log_info("capture on %s: too many ranges for a filter, "
		    "capturing everything", mr->ifname);
		out[0] = '\0';
		rv = 0;
		goto done;
	}
	if (b.len >= outlen)
		goto done;
	memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	rv = 0;
 done:
	buf_free(&b);
	return rv;
}

static int
open_rings(struct parent *p)
{
	char filter[FILTER_MAX], err[512];
	struct parent_if *pi;
	size_t i;

	for (i = 0; i < p->nifs; i++) {
		pi = &p->ifs[i];
		if (engine_filter(&pi->mr, filter, sizeof(filter)) == -1) {
			log_warnx("%s: engine filter too long", pi->mr.ifname);
			return -1;
		}
		log_debug("engine filter on %s: %s", pi->mr.ifname, filter);
		pi->mr.geom = ring_geom_engine;
		if ((pi->fd_engine = ring_open(pi->mr.ifindex, &pi->mr.geom,
		    filter, RING_F_IGNORE_OUTGOING, err, sizeof(err))) == -1) {
			log_warnx("%s: engine ring: %s", pi->mr.ifname, err);
			return -1;
		}
		if (capture_filter(p->conf, &pi->mr, filter,
		    sizeof(filter)) == -1) {
			log_warnx("%s: capture filter too long", pi->mr.ifname);
			return -1;
		}
		log_debug("capture filter on %s: %s", pi->mr.ifname,
		    filter[0] ? filter : "(none)");
		if ((pi->fd_capture = ring_open(pi->mr.ifindex,
		    &ring_geom_capture, filter[0] ? filter : NULL, 0, err,
		    sizeof(err))) == -1) {
			log_warnx("%s: capture ring: %s", pi->mr.ifname, err);
			return -1;
		}
	}
	return 0;
}

static void
send_rings(struct parent *p)
{
	struct msg_ring mr;
	struct parent_if *pi;
	size_t i;

	for (i = 0; i < p->nifs; i++) {
		pi = &p->ifs[i];
		if (msg_send(p->chan[PROC_ENGINE], MSG_RING, 0, pi->fd_engine,
		    &pi->mr, sizeof(pi->mr)) == -1)
			fatal("sending the engine its ring");
		mr = pi->mr;
		mr.geom = ring_geom_capture;
		if (msg_send(p->chan[PROC_CAPTURE], MSG_RING, 0,
		    pi->fd_capture, &mr, sizeof(mr)) == -1)
			fatal("sending capture its ring");
		close(pi->fd_engine);
		close(pi->fd_capture);
		pi->fd_engine = pi->fd_capture = -1;
	}
	if (p->fd_hlog != -1) {
		if (msg_send(p->chan[PROC_ENGINE], MSG_HLOG, 0, p->fd_hlog,
		    NULL, 0) == -1)
			fatal("sending the engine the honeyd log");
		close(p->fd_hlog);
		p->fd_hlog = -1;
	}
	if (msg_send(p->chan[PROC_ENGINE], MSG_START, 0, -1, NULL, 0) == -1 ||
	    msg_send(p->chan[PROC_CAPTURE], MSG_START, 0, -1, NULL, 0) == -1)
		fatal("starting the children");
}

/*
 * Directories.  The engine's chroot is root's and empty; the spool and
 * capture directories belong to the unprivileged user.
 */
static int
mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX], *s;

	if (strlcpy(tmp, path, sizeof(tmp)) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (s = tmp + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0755) == -1 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(tmp, mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

static int
prepare_dirs(const struct sensor_conf *sc, const struct sandbox_user *u)
{
	char path[PATH_MAX];
	struct stat st;

	if (mkdir_p(sc->chroot, 0755) == -1 || stat(sc->chroot, &st) == -1) {
		log_warn("chroot %s", sc->chroot);
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_warnx("chroot %s must be owned by root and not writable "
		    "by others", sc->chroot);
		return -1;
	}
	if (mkdir_p(sc->spool_dir, 0750) == -1 ||
	    chown(sc->spool_dir, u->uid, u->gid) == -1) {
		log_warn("spool %s", sc->spool_dir);
		return -1;
	}
	/* The shipper's filter has no mkdir: make its uploads/ here. */
	if (snprintf(path, sizeof(path), "%s/%s", sc->spool_dir,
	    SHIPPER_UPLOADS_DIR) >= (int)sizeof(path) ||
	    mkdir_p(path, 0750) == -1 || chown(path, u->uid, u->gid) == -1) {
		log_warn("spool %s/%s", sc->spool_dir, SHIPPER_UPLOADS_DIR);
		return -1;
	}
	if (mkdir_p(sc->capture_dir, 0750) == -1 ||
	    chown(sc->capture_dir, u->uid, u->gid) == -1) {
		log_warn("capture %s", sc->capture_dir);
		return -1;
	}
	return 0;
}

/* A name events may carry ([A-Za-z0-9][A-Za-z0-9_-]*), up to len. */
static int
sensor_name_valid(const char *s, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (i > 0 && (s[i] == '-' || s[i] == '_'))))
			return 0;
	return i > 0 && i < len;
}

/*
 * The sensor's name, which every child stamps on what it makes (events,
 * capture file names): the one the server knows it by, its certificate's
 * common name, once it is enrolled; else the host name, if valid.
 */
static void
sensor_name(const struct sensor_conf *sc, char *out, size_t len)
{
	char host[256];

	if (sc->cert != NULL &&
	    enroll_cert_name(sc->cert, host, sizeof(host)) == 0 &&
	    sensor_name_valid(host, len)) {
		strlcpy(out, host, len);
		return;
	}
	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	strlcpy(out, sensor_name_valid(host, len) ? host : "sensor", len);
}

/*
 * Children.
 */
static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Close every descriptor but stdio and the child's own channels. */
static void
close_others(const struct proc_chan *c)
{
	int keep[PROC_MAX], n = 0, i, prev = 2;

	for (i = 0; i < PROC_MAX; i++)
		if (c->fd[i] > 2)
			keep[n++] = c->fd[i];
	qsort(keep, (size_t)n, sizeof(keep[0]), int_cmp);
	for (i = 0; i < n; i++) {
		if (keep[i] > prev + 1)
			close_range((unsigned)prev + 1, (unsigned)keep[i] - 1,
			    0);
		prev = keep[i];
	}
	close_range((unsigned)prev + 1, ~0U, 0);
}

static pid_t
proc_start(struct parent *p, enum proc_id id, struct proc_env *env)
{
	sigset_t set;
	char comm[16];
	pid_t pid;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0)
		return pid;

	/* The child. */
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	closelog();
	close_others(&env->chan);
	log_init(p->opts->foreground, p->opts->verbose, LOG_DAEMON);
	log_procinit(procs[id].name);
	snprintf(comm, sizeof(comm), "dias-%s", procs[id].name);
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		fatal("PR_SET_PDEATHSIG");
	if (getppid() == 1)
		fatalx("parent died during start");
	procs[id].main(env);
}

static void
start_children(struct parent *p, const struct sandbox_user *user,
    const char *sensor)
{
	/* Channel pairs: [a][b] is a's end of the a-b pair. */
	int pair[PROC_MAX][PROC_MAX], sv[2], a, b;
	static const int links[][2] = {
		{ PROC_PARENT, PROC_ENGINE }, { PROC_PARENT, PROC_CAPTURE },
		{ PROC_PARENT, PROC_SHIPPER }, { PROC_ENGINE, PROC_SHIPPER },
		{ PROC_CAPTURE, PROC_SHIPPER },
	};
	struct proc_env env;
	size_t i;
	int id;

	memset(pair, 0xff, sizeof(pair));		/* all -1 */
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		a = links[i][0];
		b = links[i][1];
		if (msg_socketpair(SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    sv) == -1)
			fatal("socketpair");
		pair[a][b] = sv[0];
		pair[b][a] = sv[1];
	}
	for (id = PROC_ENGINE; id < PROC_MAX; id++) {
		memset(&env, 0, sizeof(env));
		env.conf = p->conf;
		env.user = *user;
		env.verbose = p->opts->verbose;
		strlcpy(env.sensor, sensor, sizeof(env.sensor));
		for (b = 0; b < PROC_MAX; b++)
			env.chan.fd[b] = pair[id][b];
		p->pid[id] = proc_start(p, (enum proc_id)id, &env);
		log_debug("started %s, pid %ld", proc_name((enum proc_id)id),
		    (long)p->pid[id]);
	}
	/* Keep our ends; the children's ends are theirs alone. */
	for (a = 0; a < PROC_MAX; a++)
		for (b = 0; b < PROC_MAX; b++)
			if (pair[a][b] != -1 && a != PROC_PARENT)
				close(pair[a][b]);
	for (b = 0; b < PROC_MAX; b++)
		p->chan[b] = pair[PROC_PARENT][b];
}

static void
describe_status(enum proc_id id, pid_t pid, int status, int level_err)
{
	void (*say)(const char *, ...) = level_err ? log_warnx : log_info;
	int sig;

	if (WIFEXITED(status))
		say("%s (pid %ld) exited with status %d", proc_name(id),
		    (long)pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		say("%s (pid %ld) killed by signal %d (%s)%s", proc_name(id),
		    (long)pid, sig, strsignal(sig), sig == SIGSYS ?
		    ": a system call outside its seccomp allowlist" : "");
	}
}

/* Reap what has exited; returns how many of ours are still running. */
static int
reap(struct parent *p, int hang)
{
	pid_t pid;
	int status, id, alive = 0;

	while ((pid = waitpid(-1, &status, hang ? 0 : WNOHANG)) > 0) {
		if (script_reaped(p->scripts, pid, status))
			continue;
		for (id = PROC_ENGINE; id < PROC_MAX; id++) {
			if (p->pid[id] != pid)
				continue;
			p->pid[id] = 0;
			describe_status((enum proc_id)id, pid, status,
			    !p->stopping);
			if (!p->stopping) {
				log_warnx("%s died; stopping the sensor",
				    proc_name((enum proc_id)id));
				p->status = 1;
				p->stopping = 1;
			}
		}
		if (hang)
			break;
	}
	for (id = PROC_ENGINE; id < PROC_MAX; id++)
		if (p->pid[id] != 0)
			alive++;
	return alive;
}

/* Close the channels (children leave on EOF), wait, then insist. */
static void
stop_children(struct parent *p)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int id, waited;

	p->stopping = 1;
	for (id = PROC_ENGINE; id < PROC_MAX; id++)
		if (p->chan[id] != -1) {
			close(p->chan[id]);
			p->chan[id] = -1;
		}
	for (waited = 0; waited < STOP_WAIT_MS && reap(p, 0) > 0;
	    waited += 20)
		nanosleep(&ts, NULL);
	for (id = PROC_ENGINE; id < PROC_MAX; id++)
		if (p->pid[id] != 0) {
			log_warnx("%s (pid %ld) did not stop; killing it",
			    proc_name((enum proc_id)id), (long)p->pid[id]);
			kill(p->pid[id], SIGKILL);
		}
	while (reap(p, 1) > 0)
		;
}

/*
 * The kernel's neighbour table, over rtnetlink: a dump every few seconds
 * and the multicast group in between.
 */
static int
neigh_open(struct parent *p)
{
	struct sockaddr_nl sa;

	if ((p->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, NETLINK_ROUTE)) == -1) {
		log_warn("netlink socket");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_NEIGH;
	if (bind(p->nl, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		log_warn("netlink bind");
		close(p->nl);
		p->nl = -1;
		return -1;
	}
	return 0;
}

static void
neigh_dump(struct parent *p)
{
	struct {
		struct nlmsghdr	 nh;
		struct ndmsg	 nd;
	} req;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = ++p->nl_seq;
	req.nd.ndm_family = AF_UNSPEC;
	if (send(p->nl, &req, sizeof(req), 0) == -1 && errno != EAGAIN &&
	    errno != EBUSY)
		log_warn("netlink RTM_GETNEIGH");
}

static int
our_ifindex(const struct parent *p, int ifindex)
{
	size_t i;

	for (i = 0; i < p->nifs; i++)
		if (p->ifs[i].mr.ifindex == ifindex)
			return 1;
	return 0;
}

static void
neigh_entry(struct parent *p, struct nlmsghdr *nh)
{
	struct ndmsg *nd = NLMSG_DATA(nh);
	struct rtattr *rta;
	struct msg_neigh mn;
	int len, has_dst = 0, has_ll = 0;

	if (nh->nlmsg_type != RTM_NEWNEIGH ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)))
		return;
	if (!our_ifindex(p, nd->ndm_ifindex) ||
	    (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP)) ||
	    (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6))
		return;
	memset(&mn, 0, sizeof(mn));
	mn.ifindex = nd->ndm_ifindex;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
	for (rta = (struct rtattr *)(void *)((uint8_t *)nd +
	    NLMSG_ALIGN(sizeof(*nd))); RTA_OK(rta, len);
	    rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == NDA_DST) {
			size_t alen = nd->ndm_family == AF_INET ? 4 : 16;

			if (RTA_PAYLOAD(rta) != alen)
				return;
			mn.addr.af = nd->ndm_family;
			memcpy(mn.addr.a, RTA_DATA(rta), alen);
			has_dst = 1;
		} else if (rta->rta_type == NDA_LLADDR) {
			if (RTA_PAYLOAD(rta) != 6)
				return;
			memcpy(mn.mac, RTA_DATA(rta), 6);
			has_ll = 1;
		}
	}
	if (!has_dst || !has_ll || p->chan[PROC_ENGINE] == -1)
		return;
	if (msg_send(p->chan[PROC_ENGINE], MSG_NEIGH, 0, -1, &mn,
	    sizeof(mn)) == -1)
		log_warn("engine channel");
}

static void
neigh_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct parent *p = arg;
	uint8_t buf[16384] __attribute__((aligned(8)));
	struct nlmsghdr *nh;
	ssize_t n;
	int len;

	(void)what;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		len = (int)n;
		for (nh = (struct nlmsghdr *)(void *)buf;
		    NLMSG_OK(nh, (unsigned)len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE ||
			    nh->nlmsg_type == NLMSG_ERROR)
				break;
			neigh_entry(p, nh);
		}
	}
	if (n == -1 && errno == ENOBUFS) {
		/* Missed updates: a full dump catches up. */
		neigh_dump(p);
	}
}

static void
neigh_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	neigh_dump(arg);
}

/*
 * The engine's requests: service commands to run or end.  The engine
 * reads attackers' bytes, so what it says is checked like them.
 */
static void
engine_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct parent *p = arg;
	struct msg m;
	ssize_t n;
	int rv;

	(void)what;
	if ((n = msg_read(p->mb_engine, fd)) == -1) {
		if (errno == EAGAIN)
			return;
		log_warn("engine channel");
		goto bad;
	}
	if (n == 0) {
		/* The engine is gone; reap() says why. */
		event_del(p->ev_engine);
		return;
	}
	while ((rv = msg_get(p->mb_engine, &m)) == 1) {
		if (script_dispatch(p->scripts, &m) == -1) {
			log_warnx("bad message %u from the engine", m.type);
			if (m.fd != -1)
				close(m.fd);
			goto bad;
		}
	}
	if (rv == 0)
		return;
	log_warn("engine channel");
 bad:
	/* A confused or subverted engine: stop rather than obey it. */
	event_del(p->ev_engine);
	p->status = 1;
	p->stopping = 1;
	event_base_loopbreak(p->base);
}

/*
 * Signals.
 */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct parent *p = arg;
	int id;

	(void)what;
	switch (sig) {
	case SIGCHLD:
		reap(p, 0);
		if (p->stopping)
			event_base_loopbreak(p->base);
		break;
	case SIGTERM:
	case SIGINT:
		log_info("received %s, stopping", sig == SIGTERM ? "SIGTERM" :
		    "SIGINT");
		p->stopping = 1;
		event_base_loopbreak(p->base);
		break;
	case SIGUSR1:
		script_stats(p->scripts);
		for (id = PROC_ENGINE; id < PROC_MAX; id++)
			if (p->chan[id] != -1 &&
			    msg_send(p->chan[id], MSG_STATS, 0, -1, NULL,
			    0) == -1)
				log_warn("%s channel",
				    proc_name((enum proc_id)id));
		break;
	case SIGHUP:
		log_info("SIGHUP: reloading is not supported yet; ignored");
		break;
	}
}

/*
 * The self-protection table is installed and removed by a child of its
 * own, which exits: libnftables' parser, caches and the code it runs
 * (1.5 MB of RSS) then never stay in the parent, which lives as long as
 * the sensor and forks the other children.  0 if the child did it.
 */
static int
parent_firewall(const struct conf *conf, uid_t uid, int install)
{
	pid_t pid;
	int status;

	if ((pid = fork()) == -1) {
		log_warn("firewall: fork");
		return -1;
	}
	if (pid == 0)
		_exit((install ? firewall_install(conf, uid) :
		    firewall_remove()) == 0 ? 0 : 1);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			log_warn("firewall: waitpid");
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		log_warnx("firewall: the nft child was killed by signal %d",
		    WTERMSIG(status));
	return -1;
}

static void
parent_cleanup(void)
{
	struct parent *p = the_parent;

	/* atexit handlers are inherited: only the parent removes it. */
	if (p != NULL && p->fw_installed && getpid() == parent_pid) {
		parent_firewall(p->conf, 0, 0);
		p->fw_installed = 0;
	}
}

int
parent_main(struct conf *conf, const struct sensor_opts *opts)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGUSR1,
	    SIGHUP };
	const struct sensor_conf *sc = conf_sensor(conf);
	struct timeval tick = { NEIGH_INTERVAL_S, 0 };
	struct sandbox_user user;
	struct parent p;
	const char *hlog;
	sigset_t mask, omask;
	char sensor[64];
	size_t i;
	int id;

	memset(&p, 0, sizeof(p));
	p.conf = conf;
	p.opts = opts;
	p.nl = -1;
	p.fd_hlog = -1;
	for (id = 0; id < PROC_MAX; id++)
		p.chan[id] = -1;
	log_procinit(procs[PROC_PARENT].name);

	if (geteuid() != 0) {
		log_warnx("must run as root (it opens packet sockets and "
		    "drops privileges itself)");
		return 1;
	}
	if (sc->ninterfaces == 0) {
		log_warnx("%s: no \"interface\" in sensor { }",
		    opts->conffile != NULL ? opts->conffile : "config");
		return 1;
	}
	if (sc->ninterfaces > PARENT_IFACES) {
		log_warnx("at most %d interfaces", PARENT_IFACES);
		return 1;
	}
	if (sandbox_user(sc->user, &user) == -1) {
		if (errno == EPERM)
			log_warnx("user %s is root; the children must run "
			    "unprivileged", sc->user);
		else
			log_warnx("user %s does not exist: create it (useradd "
			    "--system --no-create-home --shell "
			    "/usr/sbin/nologin %s) or name another in "
			    "sensor { user ... }", sc->user, sc->user);
		return 1;
	}
	for (i = 0; i < sc->ninterfaces; i++) {
		if (iface_lookup(sc->interfaces[i], &p.ifs[i].mr) == -1)
			return 1;
		p.ifs[i].fd_engine = p.ifs[i].fd_capture = -1;
		p.nifs++;
	}
	if (prepare_dirs(sc, &user) == -1)
		return 1;
	/* The honeyd log is outside every chroot: the engine, which sees
	 * the events first, gets the open file. */
	hlog = opts->honeyd_log != NULL ? opts->honeyd_log : sc->honeyd_log;
	if (hlog != NULL && (p.fd_hlog = open(hlog, O_WRONLY | O_APPEND |
	    O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)) == -1) {
		log_warn("honeyd log %s", hlog);
		return 1;
	}
	sensor_name(sc, sensor, sizeof(sensor));
	log_info("sensor name %s", sensor);

	if (!opts->foreground && daemon(0, 0) == -1) {
		log_warn("daemon");
		return 1;
	}
	the_parent = &p;
	parent_pid = getpid();
	if (opts->no_firewall)
		log_warnx("--no-firewall: the sensor host's own addresses are "
		    "NOT protected");
	else {
		if (parent_firewall(conf, user.uid, 1) == -1)
			return 1;
		p.fw_installed = 1;
		atexit(parent_cleanup);
	}
	if (open_rings(&p) == -1 || neigh_open(&p) == -1) {
		parent_cleanup();
		return 1;
	}

	/* Signals wait while the children start; libevent takes them
	 * over below, and a child unblocks them for itself. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&mask, sigs[i]);
	sigprocmask(SIG_BLOCK, &mask, &omask);
	start_children(&p, &user, sensor);
	send_rings(&p);

	if ((p.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		p.ev_sig[i] = evsignal_new(p.base, sigs[i], signal_cb, &p);
		if (p.ev_sig[i] == NULL || event_add(p.ev_sig[i], NULL) == -1)
			fatalx("evsignal_add");
	}
	sigprocmask(SIG_SETMASK, &omask, NULL);
	if ((p.scripts = script_runner_new(p.base, conf, &user,
	    p.chan[PROC_ENGINE])) == NULL || (p.mb_engine = msgbuf_new()) ==
	    NULL)
		fatal("scripts");
	p.ev_engine = event_new(p.base, p.chan[PROC_ENGINE],
	    EV_READ | EV_PERSIST, engine_read_cb, &p);
	if (p.ev_engine == NULL || event_add(p.ev_engine, NULL) == -1)
		fatalx("event_add engine");
	p.ev_nl = event_new(p.base, p.nl, EV_READ | EV_PERSIST,
	    neigh_read_cb, &p);
	p.ev_nl_tick = event_new(p.base, -1, EV_PERSIST, neigh_tick_cb, &p);
	if (p.ev_nl == NULL || event_add(p.ev_nl, NULL) == -1 ||
	    p.ev_nl_tick == NULL || event_add(p.ev_nl_tick, &tick) == -1)
		fatalx("event_add");
	neigh_dump(&p);
	log_info("started: parent %ld, %zu interface%s, engine %ld, "
	    "capture %ld, shipper %ld", (long)getpid(), p.nifs,
	    p.nifs == 1 ? "" : "s",
	    (long)p.pid[PROC_ENGINE], (long)p.pid[PROC_CAPTURE],
	    (long)p.pid[PROC_SHIPPER]);
	/* A child that died before libevent took over SIGCHLD. */
	reap(&p, 0);
	if (!p.stopping)
		event_base_dispatch(p.base);

	/* Commands first: they hold the engine's sockets. */
	script_runner_free(p.scripts);
	p.scripts = NULL;
	stop_children(&p);
	parent_cleanup();
	event_free(p.ev_engine);
	msgbuf_free(p.mb_engine);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		event_free(p.ev_sig[i]);
	event_free(p.ev_nl);
	event_free(p.ev_nl_tick);
	event_base_free(p.base);
	close(p.nl);
	log_info("exiting with status %d", p.status);
	the_parent = NULL;
	return p.status;
}
