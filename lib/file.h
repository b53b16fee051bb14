/*
 * Small file helpers shared by the programs.
 */
#ifndef DIAS_FILE_H
#define DIAS_FILE_H

#include <sys/types.h>

#include <stddef.h>

/*
 * Replace path with len bytes of data, atomically: a temporary file
 * beside it (path.tmp) is written, fsynced and renamed over path, then
 * the directory is fsynced.  A crash leaves the old file or the new one,
 * never a torn one.  Returns 0, or -1 with errno set and the temporary
 * file removed.
 */
int	 file_write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode);

#endif
