/*
 * ms-sql-m: the SQL Server Resolution Protocol ([MC-SQLR]) on UDP 1434,
 * as an SQL Server 2000 instance answers it.  CLNT_BCAST_EX (0x02) and
 * CLNT_UCAST_EX (0x03) get the server list, CLNT_UCAST_INST (0x04) the
 * named instance's entry, CLNT_UCAST_DAC (0x0f) the DAC port.  A 0x04
 * request whose instance name overruns its 32 bytes is the SSRP stack
 * overflow (CVE-2002-0649) that SQL Slammer rode: it is recorded as an
 * "exploit" and not answered.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "event.h"
#include "vservice.h"

#define SSRP_INST_MAX	32	/* [MC-SQLR] §2.2.4: INSTANCENAME */
#define SSRP_INSTANCE	"MSSQLSERVER"
#define SSRP_PORT	1433

static const char *
sql_version(struct flow *f)
{
	/* 2000 RTM on Windows 2000 (Slammer's favourite), SP3 later. */
	if (fnmatch("*windows*2000*", vconn_os(f), FNM_CASEFOLD) == 0)
		return "8.00.194";
	return "8.00.760";
}

/* SVR_RESP: 0x05, RESP_SIZE (little endian), RESP_DATA. */
static void
reply_instance(struct flow *f, const char *host)
{
	uint8_t out[512];
	int n;

	n = snprintf((char *)out + 3, sizeof(out) - 3, "ServerName;%s;"
	    "InstanceName;%s;IsClustered;No;Version;%s;tcp;%d;np;"
	    "\\\\%s\\pipe\\sql\\query;;", host, SSRP_INSTANCE,
	    sql_version(f), SSRP_PORT, host);
	if (n < 0 || (size_t)n >= sizeof(out) - 3)
		return;
	out[0] = 0x05;
	out[1] = (uint8_t)n;
	out[2] = (uint8_t)(n >> 8);
	(void)vconn_send(f, out, (size_t)n + 3);
}

static const char *
exploit_name(const uint8_t *d, size_t len)
{
	/* Slammer's 376 bytes build "kernel32.dll" and "GetTickCount" on
	 * the stack from these immediates. */
	if (memmem(d, len, "hel32hkern", 10) != NULL)
		return "slammer";
	return "ssrp-overflow";
}

static int
mssql_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	char host[16];
	const char *kind;
	const uint8_t *nul;
	struct event ev;
	size_t ilen;

	(void)state;
	if (len == 0)
		return 0;
	vconn_hostname(f, host, sizeof(host), 1);
	switch (d[0]) {
	case 0x02:
	case 0x03:
		vconn_event_init(f, &ev, NULL, "request");
		vconn_field(f, &ev, "type", d[0] == 2 ? "bcast_ex" :
		    "ucast_ex", 8);
		vconn_event_emit(f, &ev);
		reply_instance(f, host);
		return 0;
	case 0x04:
		nul = memchr(d + 1, 0, len - 1);
		ilen = nul != NULL ? (size_t)(nul - (d + 1)) : len - 1;
		if (ilen > SSRP_INST_MAX) {
			kind = exploit_name(d, len);
			vconn_event_init(f, &ev, NULL, "exploit");
			vconn_field(f, &ev, "exploit", kind, strlen(kind));
			vconn_field(f, &ev, "cve", "CVE-2002-0649", 13);
			vconn_fieldf(f, &ev, "size", "%zu", len);
			vconn_event_emit(f, &ev);
			return 0;
		}
		vconn_event_init(f, &ev, NULL, "request");
		vconn_field(f, &ev, "type", "ucast_inst", 10);
		vconn_field(f, &ev, "instance", d + 1, ilen);
		vconn_event_emit(f, &ev);
		if (ilen == strlen(SSRP_INSTANCE) &&
		    strncasecmp((const char *)d + 1, SSRP_INSTANCE, ilen) == 0)
			reply_instance(f, host);
		return 0;
	case 0x0f:
		vconn_event_init(f, &ev, NULL, "request");
		vconn_field(f, &ev, "type", "ucast_dac", 9);
		vconn_event_emit(f, &ev);
		/* No DAC before SQL Server 2005: silence. */
		return 0;
	}
	vconn_event_init(f, &ev, NULL, "request");
	vconn_fieldf(f, &ev, "type", "0x%02x", d[0]);
	vconn_fieldf(f, &ev, "size", "%zu", len);
	vconn_event_emit(f, &ev);
	return 0;
}

const struct vservice vservice_mssql = {
	"ms-sql-m", NULL, mssql_data, NULL
};
