/*
 * Service commands, the stack's side and the command table: see
 * vscript.h.
 */
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "stack_local.h"
#include "vscript.h"

struct vscript_ent {
	const char	*cmd;
	uint32_t	 index;
};

struct vscript_table {
	const char		**cmds;		/* by index */
	struct vscript_ent	 *sorted;	/* by pointer, for lookups */
	size_t			  n, cap;
};

static int
table_add(struct vscript_table *t, const struct action *a)
{
	const char **nc;
	size_t ncap;

	if (a->kind != ACTION_SCRIPT || a->arg == NULL)
		return 0;
	if (t->n == t->cap) {
		ncap = t->cap ? t->cap * 2 : 16;
		if ((nc = reallocarray(t->cmds, ncap, sizeof(*nc))) == NULL)
			return -1;
		t->cmds = nc;
		t->cap = ncap;
	}
	t->cmds[t->n++] = a->arg;
	return 0;
}

static int
ent_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct vscript_ent *)a)->cmd;
	uintptr_t y = (uintptr_t)((const struct vscript_ent *)b)->cmd;

	return x < y ? -1 : x > y;
}

struct vscript_table *
vscript_table_new(const struct conf *conf)
{
	static const enum conf_proto protos[] = { PROTO_TCP, PROTO_UDP };
	const struct template *t;
	struct vscript_table *tb;
	size_t i, j;

	if ((tb = calloc(1, sizeof(*tb))) == NULL)
		return NULL;
	for (t = conf_template_next(conf, NULL); t != NULL;
	    t = conf_template_next(conf, t)) {
		for (i = 0; i < 2; i++)
			for (j = 0; j < template_nports(t, protos[i]); j++)
				if (table_add(tb, &template_port_at(t,
				    protos[i], j)->action) == -1)
					goto fail;
		for (i = 0; i < 2; i++)
			if (table_add(tb, &t->defaults[protos[i]]) == -1)
				goto fail;
	}
	if (tb->n > UINT32_MAX ||
	    (tb->sorted = calloc(tb->n + 1, sizeof(*tb->sorted))) == NULL)
		goto fail;
	for (i = 0; i < tb->n; i++) {
		tb->sorted[i].cmd = tb->cmds[i];
		tb->sorted[i].index = (uint32_t)i;
	}
	qsort(tb->sorted, tb->n, sizeof(*tb->sorted), ent_cmp);
	return tb;
 fail:
	vscript_table_free(tb);
	return NULL;
}

void
vscript_table_free(struct vscript_table *tb)
{
	if (tb == NULL)
		return;
	free(tb->cmds);
	free(tb->sorted);
	free(tb);
}

size_t
vscript_table_count(const struct vscript_table *tb)
{
	return tb->n;
}

const char *
vscript_table_command(const struct vscript_table *tb, size_t i)
{
	return i < tb->n ? tb->cmds[i] : NULL;
}

int
vscript_table_index(const struct vscript_table *tb, const char *cmd,
    uint32_t *idx)
{
	struct vscript_ent key, *e;

	key.cmd = cmd;
	if (tb->n == 0 || (e = bsearch(&key, tb->sorted, tb->n,
	    sizeof(*tb->sorted), ent_cmp)) == NULL)
		return -1;
	*idx = e->index;
	return 0;
}

/*
 * The "script" service.  Its state is the engine's: the stack only tells
 * it when the flow opens, what the peer sends, and when it closes.
 */
static int
script_open(struct flow *f, void **state)
{
	struct stack *s = f->stack;
	uint32_t idx;

	(void)state;
	if (s->io.script_open == NULL || s->scripts == NULL ||
	    f->svc_arg == NULL ||
	    vscript_table_index(s->scripts, f->svc_arg, &idx) == -1) {
		CTR(s, SERVICE_MISSING);
		return -1;
	}
	return s->io.script_open(s->io.arg, f, idx);
}

static int
script_data(struct flow *f, void *state, const uint8_t *d, size_t len)
{
	struct stack *s = f->stack;

	(void)state;
	return s->io.script_input(s->io.arg, f, d, len);
}

static void
script_close(struct flow *f, void *state)
{
	struct stack *s = f->stack;

	(void)state;
	s->io.script_close(s->io.arg, f);
}

const struct vservice vservice_script = {
	"script", script_open, script_data, script_close
};

struct flow *
vscript_flow(struct stack *s, struct flow *f, uint64_t conn)
{
	if (f == NULL || f < s->flows || f >= s->flows + s->maxflows ||
	    !f->in_use || f->ended || f->conn != conn ||
	    f->svc != &vservice_script)
		return NULL;
	return f;
}

size_t
vscript_room(const struct flow *f)
{
	const struct tcb *tc = &f->tcb;

	if (f->proto == IPPROTO_UDP)
		return 1400;		/* one datagram: vudp_send's most */
	if (f->ended || tc->fin_wanted || (tc->state != TCPS_ESTABLISHED &&
	    tc->state != TCPS_CLOSE_WAIT))
		return 0;
	return tc->snd.max > tc->snd.len ? tc->snd.max - tc->snd.len : 0;
}

int
vscript_output(struct stack *s, struct flow *f, const uint8_t *d, size_t len,
    uint64_t now_us)
{
	if (now_us > s->now)
		s->now = now_us;
	return vconn_send(f, d, len);
}

void
vscript_eof(struct stack *s, struct flow *f, uint64_t now_us)
{
	if (now_us > s->now)
		s->now = now_us;
	vconn_close(f);
}

int
vscript_ifindex(const struct flow *f)
{
	return f->path.ifindex;
}
