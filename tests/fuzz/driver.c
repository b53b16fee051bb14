/*
 * Replay driver for fuzz targets in builds without libFuzzer: feeds every
 * file named on the command line (directories are walked one level) to
 * LLVMFuzzerTestOneInput, so the seed corpus is a regression suite.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *data;
	long len;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		perror(path);
		fclose(f);
		return -1;
	}
	/* malloc(0) may return NULL; always allocate at least one byte. */
	if ((data = malloc((size_t)len + 1)) == NULL ||
	    fread(data, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)len);
	free(data);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct dirent *de;
	struct stat st;
	char path[4096];
	DIR *d;
	int i, n = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= replay_file(argv[i]);
			n++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			return 1;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			bad |= replay_file(path);
			n++;
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", n);
	if (n == 0) {
		fprintf(stderr, "no seed inputs: a fuzz target must have seeds\n");
		return 1;
	}
	return bad ? 1 : 0;
}
