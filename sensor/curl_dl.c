/*
 * libcurl, loaded only by the processes that speak HTTPS: the shipper
 * (after the fork, before its jail) and `dias-sensor enroll`.
 *
 * Linked directly, libcurl and the two dozen libraries it needs (OpenSSL
 * through libssh2, Kerberos, LDAP, SASL, nghttp2, ...) were mapped and
 * relocated in the parent before it forked, so their written pages
 * counted in the RSS of all four processes: about 4 MB of the 33 MB a
 * sensor took at 65,536 bound addresses, and code an exploit of the
 * engine could reuse.  These wrappers carry libcurl's own names, so the
 * callers stay plain libcurl; they are hidden, so that libcurl's calls
 * to its own API never land here.  curl_global_init() loads the library
 * (the shipper calls it before proc_jail(); the jail has no dlopen).
 */
#define CURL_DISABLE_TYPECHECK	/* the macros would wrap our definitions */
#include <curl/curl.h>

#include <dlfcn.h>
#include <stdarg.h>
#include <string.h>

#include "dl_sym.h"
#include "log.h"

#define HIDDEN	__attribute__((visibility("hidden")))

static const char *const curl_sonames[] = {
	"libcurl-gnutls.so.4",		/* what the sensor builds against */
	"libcurl.so.4",
};

static struct {
	void		*dl;
	CURLcode	(*global_init)(long);
	void		(*global_cleanup)(void);
	CURL		*(*easy_init)(void);
	CURLcode	(*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	(*easy_perform)(CURL *);
	void		(*easy_cleanup)(CURL *);
	CURLcode	(*easy_getinfo)(CURL *, CURLINFO, ...);
	const char	*(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		(*slist_free_all)(struct curl_slist *);
	CURLM		*(*multi_init)(void);
	CURLMcode	(*multi_add_handle)(CURLM *, CURL *);
	CURLMcode	(*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode	(*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode	(*multi_assign)(CURLM *, curl_socket_t, void *);
	CURLMsg		*(*multi_info_read)(CURLM *, int *);
	CURLMcode	(*multi_socket_action)(CURLM *, curl_socket_t, int,
			    int *);
} cu;

#define curl_sym(name, fp)	dl_sym(cu.dl, "libcurl", name, fp)

#define SYM(f)	curl_sym("curl_" #f, &cu.f)

/*
 * curl_global_init() starts libssh2, which sets up OpenSSL (its engines,
 * its configuration): 1.5 MB more RSS for SCP and SFTP, which we never
 * speak (CURLOPT_PROTOCOLS_STR is "https").  libssh2 initialises once,
 * on the first libssh2_init(), so asking first, without crypto, leaves
 * curl's later call nothing to do.
 */
static void
no_ssh_crypto(void)
{
	int (*ssh2_init)(int);
	void *p;

	if ((p = dlsym(cu.dl, "libssh2_init")) == NULL)
		return;			/* a libcurl without SSH */
	memcpy(&ssh2_init, &p, sizeof(p));
	if (ssh2_init(0x0001) != 0)	/* LIBSSH2_INIT_NO_CRYPTO */
		log_debug("libssh2_init failed; curl will try again");
}

/* 0 once libcurl is loaded, or -1 (logged). */
static int
curl_load(void)
{
	size_t i;

	if (cu.dl != NULL)
		return 0;
	for (i = 0; i < sizeof(curl_sonames) / sizeof(curl_sonames[0]); i++)
		if ((cu.dl = dlopen(curl_sonames[i], RTLD_NOW | RTLD_LOCAL)) !=
		    NULL)
			break;
	if (cu.dl == NULL) {
		log_warnx("libcurl: %s", dlerror());
		return -1;
	}
	no_ssh_crypto();
	if (SYM(global_init) == -1 || SYM(global_cleanup) == -1 ||
	    SYM(easy_init) == -1 || SYM(easy_setopt) == -1 ||
	    SYM(easy_perform) == -1 || SYM(easy_cleanup) == -1 ||
	    SYM(easy_getinfo) == -1 || SYM(easy_strerror) == -1 ||
	    SYM(slist_append) == -1 || SYM(slist_free_all) == -1 ||
	    SYM(multi_init) == -1 || SYM(multi_add_handle) == -1 ||
	    SYM(multi_remove_handle) == -1 || SYM(multi_setopt) == -1 ||
	    SYM(multi_assign) == -1 || SYM(multi_info_read) == -1 ||
	    SYM(multi_socket_action) == -1)
		goto fail;
	return 0;
 fail:
	dlclose(cu.dl);
	memset(&cu, 0, sizeof(cu));
	return -1;
}

HIDDEN CURLcode
curl_global_init(long flags)
{
	if (curl_load() == -1)
		return CURLE_FAILED_INIT;
	return cu.global_init(flags);
}

HIDDEN void
curl_global_cleanup(void)
{
	if (cu.dl != NULL)
		cu.global_cleanup();
}

/* Everything below needs curl_global_init() first: without the library
 * it fails the way libcurl fails on no memory. */

HIDDEN CURL *
curl_easy_init(void)
{
	return cu.dl != NULL ? cu.easy_init() : NULL;
}

/*
 * The one argument after option has the type the option's number range
 * says (curl.h: CURLOPTTYPE_*); it is passed on as that type.
 */
HIDDEN CURLcode
curl_easy_setopt(CURL *e, CURLoption opt, ...)
{
	va_list ap;
	CURLcode rc;

	if (cu.dl == NULL)
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = cu.easy_setopt(e, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_OFF_T)	/* objects, functions */
		rc = cu.easy_setopt(e, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = cu.easy_setopt(e, opt, va_arg(ap, curl_off_t));
	else
		rc = cu.easy_setopt(e, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

HIDDEN CURLcode
curl_easy_perform(CURL *e)
{
	return cu.dl != NULL ? cu.easy_perform(e) : CURLE_FAILED_INIT;
}

HIDDEN void
curl_easy_cleanup(CURL *e)
{
	if (cu.dl != NULL)
		cu.easy_cleanup(e);
}

/* Every CURLINFO takes a pointer to where the answer goes. */
HIDDEN CURLcode
curl_easy_getinfo(CURL *e, CURLINFO info, ...)
{
	va_list ap;
	void *p;

	if (cu.dl == NULL)
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	p = va_arg(ap, void *);
	va_end(ap);
	return cu.easy_getinfo(e, info, p);
}

HIDDEN const char *
curl_easy_strerror(CURLcode rc)
{
	return cu.dl != NULL ? cu.easy_strerror(rc) : "libcurl is not loaded";
}

HIDDEN struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
	return cu.dl != NULL ? cu.slist_append(l, s) : NULL;
}

HIDDEN void
curl_slist_free_all(struct curl_slist *l)
{
	if (cu.dl != NULL)
		cu.slist_free_all(l);
}

HIDDEN CURLM *
curl_multi_init(void)
{
	return cu.dl != NULL ? cu.multi_init() : NULL;
}

HIDDEN CURLMcode
curl_multi_add_handle(CURLM *m, CURL *e)
{
	return cu.dl != NULL ? cu.multi_add_handle(m, e) :
	    CURLM_INTERNAL_ERROR;
}

HIDDEN CURLMcode
curl_multi_remove_handle(CURLM *m, CURL *e)
{
	return cu.dl != NULL ? cu.multi_remove_handle(m, e) :
	    CURLM_INTERNAL_ERROR;
}

/* Same number ranges as curl_easy_setopt's. */
HIDDEN CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	va_list ap;
	CURLMcode rc;

	if (cu.dl == NULL)
		return CURLM_INTERNAL_ERROR;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = cu.multi_setopt(m, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = cu.multi_setopt(m, opt, va_arg(ap, void *));
	else
		rc = cu.multi_setopt(m, opt, va_arg(ap, curl_off_t));
	va_end(ap);
	return rc;
}

HIDDEN CURLMcode
curl_multi_assign(CURLM *m, curl_socket_t s, void *p)
{
	return cu.dl != NULL ? cu.multi_assign(m, s, p) : CURLM_INTERNAL_ERROR;
}

HIDDEN CURLMsg *
curl_multi_info_read(CURLM *m, int *left)
{
	if (cu.dl == NULL) {
		*left = 0;
		return NULL;
	}
	return cu.multi_info_read(m, left);
}

HIDDEN CURLMcode
curl_multi_socket_action(CURLM *m, curl_socket_t s, int ev, int *running)
{
	return cu.dl != NULL ? cu.multi_socket_action(m, s, ev, running) :
	    CURLM_INTERNAL_ERROR;
}
