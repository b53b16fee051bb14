/*
 * The root parent of dias-sensor (DESIGN.md §3).  It owns the process
 * table, and it is the only process that keeps privileges: it opens the
 * packet sockets, installs the self-protection table, creates the
 * directories, forks the engine, capture and shipper, passes them their
 * descriptors, and forwards the kernel's neighbour table to the engine.
 * If any child dies, it says which and why, stops the others and exits
 * non-zero (systemd restarts it).
 *
 * Signals: SIGTERM and SIGINT stop cleanly (exit 0, table removed);
 * SIGUSR1 asks the engine and shipper to log their counters; SIGHUP is
 * ignored for now (reload is a later issue).
 *
 * The unprivileged user is the configuration's "user" (default _dias, a
 * dedicated system user the package creates); there is no fallback to
 * nobody: a missing user is a startup error that says how to create it.
 */
#ifndef DIAS_PARENT_H
#define DIAS_PARENT_H

struct conf;

struct sensor_opts {
	int		 foreground;	/* -d: no daemon, logs on stderr */
	int		 verbose;	/* -v count */
	int		 no_firewall;	/* --no-firewall */
	const char	*conffile;	/* for log lines */
	const char	*honeyd_log;	/* -l FILE: overrides the conf's
					   "log honeyd", or NULL */
};

/* Run the sensor until a signal or a child's death.  conf must outlive
 * the call.  Returns the process exit status. */
int	 parent_main(struct conf *, const struct sensor_opts *);

#endif
