/*
 * libnftables, loaded only by the short-lived child that installs or
 * removes the self-protection table (parent.c, parent_firewall()).
 *
 * Linked, libnftables and what it needs (libnftnl, libxtables, libmnl)
 * were mapped and relocated in every process, their written pages in
 * each one's RSS, for two calls in the sensor's life.  As in curl_dl.c,
 * hidden wrappers with the library's names keep firewall.c plain
 * libnftables; nft_ctx_new() loads it, and the child's exit unloads it.
 */
#include <nftables/libnftables.h>

#include <dlfcn.h>
#include <string.h>

#include "dl_sym.h"
#include "log.h"

#define HIDDEN	__attribute__((visibility("hidden")))

static struct {
	void		*dl;
	struct nft_ctx	*(*ctx_new)(uint32_t);
	void		(*ctx_free)(struct nft_ctx *);
	int		(*buffer_output)(struct nft_ctx *);
	int		(*buffer_error)(struct nft_ctx *);
	const char	*(*get_error_buffer)(struct nft_ctx *);
	int		(*run_cmd_from_buffer)(struct nft_ctx *, const char *);
} nf;

#define nft_sym(name, fp)	dl_sym(nf.dl, "libnftables", name, fp)

/* 0 once libnftables is loaded, or -1 (logged). */
static int
nft_load(void)
{
	if (nf.dl != NULL)
		return 0;
	if ((nf.dl = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL)) ==
	    NULL) {
		log_warnx("libnftables: %s", dlerror());
		return -1;
	}
	if (nft_sym("nft_ctx_new", &nf.ctx_new) == -1 ||
	    nft_sym("nft_ctx_free", &nf.ctx_free) == -1 ||
	    nft_sym("nft_ctx_buffer_output", &nf.buffer_output) == -1 ||
	    nft_sym("nft_ctx_buffer_error", &nf.buffer_error) == -1 ||
	    nft_sym("nft_ctx_get_error_buffer", &nf.get_error_buffer) == -1 ||
	    nft_sym("nft_run_cmd_from_buffer", &nf.run_cmd_from_buffer) == -1)
		goto fail;
	return 0;
 fail:
	dlclose(nf.dl);
	memset(&nf, 0, sizeof(nf));
	return -1;
}

HIDDEN struct nft_ctx *
nft_ctx_new(uint32_t flags)
{
	if (nft_load() == -1)
		return NULL;
	return nf.ctx_new(flags);
}

/* The rest take a context, which only a loaded library made. */

HIDDEN void
nft_ctx_free(struct nft_ctx *ctx)
{
	nf.ctx_free(ctx);
}

HIDDEN int
nft_ctx_buffer_output(struct nft_ctx *ctx)
{
	return nf.buffer_output(ctx);
}

HIDDEN int
nft_ctx_buffer_error(struct nft_ctx *ctx)
{
	return nf.buffer_error(ctx);
}

HIDDEN const char *
nft_ctx_get_error_buffer(struct nft_ctx *ctx)
{
	return nf.get_error_buffer(ctx);
}

HIDDEN int
nft_run_cmd_from_buffer(struct nft_ctx *ctx, const char *buf)
{
	return nf.run_cmd_from_buffer(ctx, buf);
}
