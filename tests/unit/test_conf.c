/*
 * Configuration tests.  Most are data: every tests/data/conf/<name>.conf
 * is parsed as "dias-sensor -n" would, and what it prints is compared with
 * <name>.expect:
 *
 *	# comment
 *	exit 1			expected exit status of dias-sensor -n
 *	flags verbose		optional: -v
 *	define name=value	optional, repeatable: -D name=value
 *	--- stdout
 *	(the summary, exactly)
 *	--- stderr
 *	(the messages, exactly)
 *
 * A section left out must be empty.  The files are read from the data
 * directory so that messages carry the relative names.  With
 * DIAS_UPDATE_EXPECT=1 the sections are rewritten from what was printed,
 * for reviewing with git diff.
 *
 * The rest are the few behaviours a summary cannot show: lookups, scale.
 */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "conf.h"

#define MAX_DEFINES	8

struct expect {
	int		 exit;
	int		 flags;
	char		*defines[MAX_DEFINES];
	size_t		 ndefines;
	char		*out, *err;
	char		*header;	/* kept for DIAS_UPDATE_EXPECT */
};

static char	 datadir[PATH_MAX];

static char *
slurp(const char *path)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f;
	char *s;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	buf_init(&b, 64 * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_add(&b, chunk, n), 0);
	fclose(f);
	s = strdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

static void
expect_free(struct expect *e)
{
	size_t i;

	for (i = 0; i < e->ndefines; i++)
		free(e->defines[i]);
	free(e->out);
	free(e->err);
	free(e->header);
}

/* Split an .expect file into its header and sections. */
static int
expect_read(const char *path, struct expect *e)
{
	char *text, *line, *next, **section = NULL;
	struct buf hdr, sec;
	const char *errstr;

	memset(e, 0, sizeof(*e));
	e->exit = -1;
	if ((text = slurp(path)) == NULL)
		return -1;
	buf_init(&hdr, 1 << 20);
	buf_init(&sec, 1 << 24);
	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, "--- ", 4) == 0) {
			if (section != NULL)
				*section = strdup(buf_cstr(&sec));
			buf_reset(&sec);
			if (strcmp(line + 4, "stdout") == 0)
				section = &e->out;
			else if (strcmp(line + 4, "stderr") == 0)
				section = &e->err;
			else
				fail_msg("%s: unknown section \"%s\"", path, line);
			continue;
		}
		if (section != NULL) {
			buf_addstr(&sec, line);
			buf_addc(&sec, '\n');
			continue;
		}
		buf_addstr(&hdr, line);
		buf_addc(&hdr, '\n');
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "exit ", 5) == 0) {
			e->exit = (int)strtonum(line + 5, 0, 1, &errstr);
			if (errstr != NULL)
				fail_msg("%s: bad exit line", path);
		} else if (strcmp(line, "flags verbose") == 0)
			e->flags |= CONF_F_VERBOSE;
		else if (strncmp(line, "define ", 7) == 0 &&
		    e->ndefines < MAX_DEFINES)
			e->defines[e->ndefines++] = strdup(line + 7);
		else
			fail_msg("%s: bad header line \"%s\"", path, line);
	}
	if (section != NULL)
		*section = strdup(buf_cstr(&sec));
	e->header = strdup(buf_cstr(&hdr));
	buf_free(&hdr);
	buf_free(&sec);
	free(text);
	if (e->exit == -1)
		fail_msg("%s: no exit line", path);
	return 0;
}

/* Print both texts line by line, marking where they part. */
static void
show_diff(const char *what, const char *want, const char *got)
{
	const char *w = want, *g = got, *wn, *gn;
	int line = 1;

	while (*w != '\0' || *g != '\0') {
		wn = strchr(w, '\n');
		gn = strchr(g, '\n');
		wn = wn ? wn + 1 : w + strlen(w);
		gn = gn ? gn + 1 : g + strlen(g);
		if (wn - w != gn - g || memcmp(w, g, (size_t)(wn - w)) != 0) {
			print_error("%s differs from line %d:\n", what, line);
			print_error("  want: %.*s", (int)(wn - w), w);
			print_error("\n  got:  %.*s\n", (int)(gn - g), g);
			break;
		}
		w = wn;
		g = gn;
		line++;
	}
	print_error("--- full %s:\n%s", what, got);
}

static void
expect_write(const char *path, const struct expect *e, const char *out,
    const char *err)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	fputs(e->header, f);
	if (*out != '\0')
		fprintf(f, "--- stdout\n%s", out);
	if (*err != '\0')
		fprintf(f, "--- stderr\n%s", err);
	fclose(f);
}

/* One data case: *state is its name without ".conf". */
static void
test_conf_case(void **state)
{
	const char *name = *state;
	char conf[PATH_MAX], exp[PATH_MAX];
	char *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0;
	struct conf_params p;
	struct conf *c = NULL;
	struct expect e;
	FILE *fout, *ferr;
	int rv, ok;
	const char *upd;

	snprintf(conf, sizeof(conf), "%s.conf", name);
	snprintf(exp, sizeof(exp), "%s.expect", name);
	if (expect_read(exp, &e) == -1)
		fail_msg("%s: %s", exp, strerror(errno));
	assert_non_null(fout = open_memstream(&out, &outlen));
	assert_non_null(ferr = open_memstream(&err, &errlen));
	memset(&p, 0, sizeof(p));
	p.errf = ferr;
	p.flags = e.flags;
	p.defines = (const char *const *)e.defines;
	p.ndefines = e.ndefines;
	rv = conf_parse(conf, &p, &c) == 0 ? 0 : 1;
	if (rv == 0) {
		conf_print(c, fout);
		conf_free(c);
	}
	fclose(fout);
	fclose(ferr);

	if ((upd = getenv("DIAS_UPDATE_EXPECT")) != NULL &&
	    strcmp(upd, "1") == 0 && rv == e.exit)
		expect_write(exp, &e, out, err);

	ok = 1;
	if (rv != e.exit) {
		print_error("%s: exit %d, want %d\n", conf, rv, e.exit);
		ok = 0;
	}
	if (strcmp(out, e.out ? e.out : "") != 0) {
		show_diff("stdout", e.out ? e.out : "", out);
		ok = 0;
	}
	if (strcmp(err, e.err ? e.err : "") != 0) {
		show_diff("stderr", e.err ? e.err : "", err);
		ok = 0;
	}
	free(out);
	free(err);
	expect_free(&e);
	if (!ok)
		fail_msg("%s does not match %s", conf, exp);
}

/*
 * Behaviour a summary cannot show.
 */

static struct conf *
parse_text(const char *text)
{
	struct conf_params p;
	struct conf *c = NULL;
	FILE *devnull;

	assert_non_null(devnull = fopen("/dev/null", "w"));
	memset(&p, 0, sizeof(p));
	p.errf = devnull;
	assert_int_equal(conf_parse_buffer("test", text, strlen(text), &p, &c),
	    0);
	fclose(devnull);
	return c;
}

static struct addr
A(const char *s)
{
	struct addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static void
test_conf_binds_65536_addresses_and_finds_each(void **state)
{
	struct buf b;
	struct conf *c;
	struct addr a;
	const struct template *t;
	struct timespec t0, t1;
	double secs;
	int i;

	(void)state;
	buf_init(&b, 8 * 1024 * 1024);
	buf_addstr(&b, "create even\ncreate odd\n");
	for (i = 0; i < 65536; i++)
		buf_printf(&b, "bind 10.1.%d.%d %s\n", i / 256, i % 256,
		    i % 2 ? "odd" : "even");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c = parse_text(buf_cstr(&b));
	assert_int_equal(conf_nbindings(c), 65536);
	assert_int_equal(addrset_count(conf_bound(c)), 65536);
	for (i = 0; i < 65536; i++) {
		addr_from_v4(&a, htonl(0x0a010000 + (uint32_t)i));
		t = conf_template_for(c, &a);
		assert_non_null(t);
		assert_string_equal(t->name, i % 2 ? "odd" : "even");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("65536 binds parsed and looked up in %.3fs\n", secs);
	assert_true(secs < 10.0);
	a = A("10.2.0.0");
	assert_null(conf_template_for(c, &a));
	conf_free(c);
	buf_free(&b);
}

static void
test_conf_address_change_splits_its_range(void **state)
{
	struct conf *c;
	struct addr a;
	const struct template *t;

	(void)state;
	c = parse_text("create web\n"
	    "bind 10.0.0.0/24 web\n"
	    "set 10.0.0.7 personality \"Linux 2.6.32\"\n");
	assert_int_equal(conf_nbindings(c), 3);
	a = A("10.0.0.6");
	assert_string_equal(conf_binding_find(c, &a)->name, "web");
	a = A("10.0.0.7");
	t = conf_binding_find(c, &a);
	assert_string_equal(t->name, "10.0.0.7");
	assert_true(t->flags & TEMPLATE_ADDRESS);
	assert_string_equal(t->personality, "Linux 2.6.32");
	a = A("10.0.0.8");
	assert_string_equal(conf_binding_find(c, &a)->name, "web");
	assert_null(conf_template_find(c, "web")->personality);
	conf_free(c);
}

static void
test_conf_claimed_unbound_address_uses_default(void **state)
{
	struct conf *c;
	struct addr a;

	(void)state;
	c = parse_text("sensor {\n claim 10.0.0.0/24\n}\n"
	    "create default\ncreate web\nbind 10.0.0.80 web\n"
	    "bind 192.0.2.1 web\n");
	a = A("10.0.0.1");
	assert_string_equal(conf_template_for(c, &a)->name, "default");
	a = A("10.0.0.80");
	assert_string_equal(conf_template_for(c, &a)->name, "web");
	a = A("192.0.2.1");
	assert_string_equal(conf_template_for(c, &a)->name, "web");
	a = A("10.0.1.1");
	assert_null(conf_template_for(c, &a));
	conf_free(c);
}

static void
test_conf_port_without_entry_takes_default(void **state)
{
	struct conf *c;
	const struct template *t;

	(void)state;
	c = parse_text("create web\n"
	    "set web default tcp action block\n"
	    "add web tcp port 443 open\nadd web tcp port 80 \"httpd\"\n"
	    "add web tcp port 22 open\ndelete web tcp port 22\n");
	t = conf_template_find(c, "web");
	assert_int_equal(template_action(t, PROTO_TCP, 80)->kind,
	    ACTION_SCRIPT);
	assert_int_equal(template_action(t, PROTO_TCP, 443)->kind,
	    ACTION_OPEN);
	assert_int_equal(template_action(t, PROTO_TCP, 22)->kind,
	    ACTION_FILTERED);
	assert_int_equal(template_action(t, PROTO_UDP, 80)->kind,
	    ACTION_CLOSED);
	assert_int_equal(template_action(t, PROTO_ICMP, 0)->kind,
	    ACTION_OPEN);
	assert_int_equal(template_nports(t, PROTO_TCP), 2);
	assert_int_equal(template_port_at(t, PROTO_TCP, 0)->port, 80);
	conf_free(c);
}

static void
test_conf_include_depth_is_capped(void **state)
{
	char dir[] = "/tmp/dias-conf-XXXXXX", path[PATH_MAX];
	char *err = NULL;
	size_t errlen = 0;
	struct conf_params p;
	struct conf *c = NULL;
	FILE *f;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "%s/%d.conf", dir, i);
		assert_non_null(f = fopen(path, "w"));
		fprintf(f, "include \"%d.conf\"\n", i + 1);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/20.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	memset(&p, 0, sizeof(p));
	assert_non_null(p.errf = open_memstream(&err, &errlen));
	snprintf(path, sizeof(path), "%s/0.conf", dir);
	assert_int_equal(conf_parse(path, &p, &c), -1);
	fclose(p.errf);
	assert_non_null(strstr(err, "includes nest too deeply"));
	free(err);
	for (i = 0; i <= 20; i++) {
		snprintf(path, sizeof(path), "%s/%d.conf", dir, i);
		unlink(path);
	}
	rmdir(dir);
}

static void
test_conf_buffer_refuses_include_when_told(void **state)
{
	const char *text = "include \"/etc/passwd\"\n";
	char *err = NULL;
	size_t errlen = 0;
	struct conf_params p;
	struct conf *c = NULL;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.flags = CONF_F_NOINCLUDE;
	assert_non_null(p.errf = open_memstream(&err, &errlen));
	assert_int_equal(conf_parse_buffer("mem", text, strlen(text), &p, &c),
	    -1);
	fclose(p.errf);
	assert_string_equal(err, "mem:1: include is disabled here\n");
	free(err);
}

static int
case_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_conf_binds_65536_addresses_and_finds_each),
		cmocka_unit_test(test_conf_address_change_splits_its_range),
		cmocka_unit_test(test_conf_claimed_unbound_address_uses_default),
		cmocka_unit_test(test_conf_port_without_entry_takes_default),
		cmocka_unit_test(test_conf_include_depth_is_capped),
		cmocka_unit_test(test_conf_buffer_refuses_include_when_told),
	};
	const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests;
	struct dirent *de;
	const char *src;
	char **names = NULL;
	size_t n = 0, i, len;
	DIR *d;
	int rv;

	if ((src = getenv("DIAS_SRC")) == NULL) {
		fprintf(stderr, "DIAS_SRC is not set\n");
		return 1;
	}
	snprintf(datadir, sizeof(datadir), "%s/tests/data/conf", src);
	if (chdir(datadir) == -1 || (d = opendir(".")) == NULL) {
		fprintf(stderr, "%s: %s\n", datadir, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		names = reallocarray(names, n + 1, sizeof(*names));
		names[n++] = strndup(de->d_name, len - 5);
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "%s: no cases\n", datadir);
		return 1;
	}
	qsort(names, n, sizeof(*names), case_cmp);

	tests = calloc(n + nfixed, sizeof(*tests));
	for (i = 0; i < n; i++) {
		tests[i].name = names[i];
		tests[i].test_func = test_conf_case;
		tests[i].initial_state = names[i];
	}
	memcpy(tests + n, fixed, sizeof(fixed));
	rv = _cmocka_run_group_tests("conf", tests, n + nfixed, NULL, NULL);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tests);
	return rv;
}
