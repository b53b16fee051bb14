/*
 * One symbol of a library loaded with dlopen() into a function pointer
 * (curl_dl.c, nft_dl.c): 0, or -1 with the reason logged.
 */
#ifndef DIAS_DL_SYM_H
#define DIAS_DL_SYM_H

#include <dlfcn.h>
#include <string.h>

#include "log.h"

static inline int
dl_sym(void *dl, const char *lib, const char *name, void *fp)
{
	void *p;

	if ((p = dlsym(dl, name)) == NULL) {
		log_warnx("%s: %s", lib, dlerror());
		return -1;
	}
	memcpy(fp, &p, sizeof(p));	/* POSIX: data and code pointers agree */
	return 0;
}

#endif
