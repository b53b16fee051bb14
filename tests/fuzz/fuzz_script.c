/*
 * The parent's parser of the engine's requests to run a service command
 * (sensor/script.c: script_prepare).  The engine reads attackers' bytes,
 * so a request may be anything.  Whatever it is, the prepared command is
 * one of the configuration's with honeyd's variables replaced by
 * addresses and ports only, and the environment is printable ASCII.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "proc.h"
#include "script.h"
#include "vscript.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

static const char cfg[] =
	"create t\n"
	"set t default tcp action \"sh default.sh\"\n"
	"add t tcp port 23 \"sh telnet.sh $ipsrc $sport -> $ipdst $dport\"\n"
	"add t udp port 161 \"perl snmp.pl $ipsrc$ipsrc$ipdst$dport$\"\n";

static struct conf *conf;
static struct vscript_table *table;

/* The command, with every $var replaced by [0-9a-f.:]*: matched. */
static int
matches(const char *tmpl, const char *cmd)
{
	static const char *const vars[] = { "$ipsrc", "$ipdst", "$sport",
	    "$dport" };
	size_t i, n;

	while (*tmpl != '\0') {
		for (i = 0; i < 4; i++) {
			n = strlen(vars[i]);
			if (strncmp(tmpl, vars[i], n) == 0)
				break;
		}
		if (i < 4) {
			tmpl += n;
			while (strchr("0123456789abcdef.:", *cmd) != NULL &&
			    *cmd != '\0')
				cmd++;
			continue;
		}
		if (*tmpl++ != *cmd++)
			return 0;
	}
	return *cmd == '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_params cp;
	struct msg_script_run m;
	struct script_exec x;
	const char *cmd;
	size_t i, j;

	if (conf == NULL) {
		memset(&cp, 0, sizeof(cp));
		if (conf_parse_buffer("fuzz.conf", cfg, sizeof(cfg) - 1, &cp,
		    &conf) == -1 || (table = vscript_table_new(conf)) == NULL)
			abort();
	}
	if (size != sizeof(m))
		return 0;
	memcpy(&m, data, sizeof(m));
	if (script_prepare(table, &m, &x) == -1)
		return 0;
	CHECK((cmd = vscript_table_command(table, m.index)) != NULL);
	CHECK(x.cmd.len > 0 && x.cmd.data[x.cmd.len - 1] == '\0');
	CHECK(matches(cmd, (const char *)x.cmd.data));
	CHECK(x.nenv > 0 && x.nenv <= SCRIPT_ENV_MAX && x.envp[x.nenv] == NULL);
	for (i = 0; i < x.nenv; i++) {
		CHECK(x.envp[i] == x.env[i] && strchr(x.env[i], '=') != NULL);
		for (j = 0; x.env[i][j] != '\0'; j++)
			CHECK(x.env[i][j] >= 0x20 && x.env[i][j] <= 0x7e);
	}
	script_exec_free(&x);
	return 0;
}
