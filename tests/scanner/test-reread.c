/*
 * The LDIF reader reads a record that takes the slow path a second time
 * from the file (ldif_input.c's record_reread()).  fseeko() is replaced
 * with -Wl,--wrap so that the test sees each time it goes back, and can
 * make that fail or change the file on the disk just before, as someone
 * writing to the export during the scan would: the scan must then stop
 * with an I/O error naming the file and the line, never go on with
 * something else than it read the first time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "scanner/source.h"
#include "tap.h"

/* What the wrapper does before a seek that goes back to a record. */
enum seek_fault {
	FAULT_NONE,
	FAULT_FAIL,     /* the seek fails (EIO) */
	FAULT_TRUNCATE, /* the file is cut short where the record starts */
	FAULT_REWRITE,  /* another, shorter record is written over it */
	FAULT_LONGER,   /* a value grows by a byte: as many lines */
	FAULT_SPLIT,    /* a line is split in two: as many bytes */
};

static enum seek_fault fault;
static const char *fault_path;
static const char *fault_text; /* what the file held */
static unsigned seeks;         /* seeks that went back to a record */

/* With _FILE_OFFSET_BITS=64, glibc's fseeko() is fseeko64(). */
int
__real_fseeko64(FILE *fp, off_t off, int whence);
int
__wrap_fseeko64(FILE *fp, off_t off, int whence);

int
__wrap_fseeko64(FILE *fp, off_t off, int whence)
{
	/* scan_ldif_new()'s seek to where the stream is, not back. */
	if (whence != SEEK_SET) {
		return __real_fseeko64(fp, off, whence);
	}
	seeks++;
	if (fault == FAULT_FAIL) {
		errno = EIO;
		return -1;
	}
	if (fault != FAULT_NONE) {
		static const char other[] = "dn: CN=Other,DC=contoso,DC=com\n"
					    "objectClass: user\n"
					    "\n";
		/* FAULT_LONGER, FAULT_SPLIT: the text from off, changed. */
		struct strbuf changed;
		strbuf_init(&changed);
		const char *rest = fault_text + off;
		const char *at = strstr(rest, "group\n");
		if (at != NULL) {
			strbuf_add(&changed, rest, (size_t)(at - rest));
			strbuf_addstr(&changed, fault == FAULT_LONGER
							? "groups\n"
							: "gr\nx:\n");
			strbuf_addstr(&changed, at + strlen("group\n"));
		}
		int fd = open(fault_path, O_WRONLY);
		bool done = false;
		if (fd >= 0 && fault == FAULT_TRUNCATE) {
			done = ftruncate(fd, off + 10) == 0;
		} else if (fd >= 0 && fault == FAULT_REWRITE) {
			done = pwrite(fd, other, strlen(other), off) ==
			       (ssize_t)strlen(other);
		} else if (fd >= 0 && at != NULL) {
			done = pwrite(fd, changed.buf, changed.len, off) ==
			       (ssize_t)changed.len;
		}
		strbuf_release(&changed);
		if (!done) {
			perror("cannot change the test LDIF");
			exit(EXIT_FAILURE);
		}
		close(fd);
	}
	return __real_fseeko64(fp, off, whence);
}

/*
 * Over 1 MB, the stream's buffer: records, then a slow one ("changetype:
 * add") from line 4001 that ends past that, so it is read again
 * from the disk, then one more.
 */
static char *
big_text(void)
{
	struct strbuf sb;
	strbuf_init(&sb);
	for (int i = 0; i < 1000; i++) {
		strbuf_addf(&sb,
			    "dn: CN=U%d,OU=Users,DC=contoso,DC=com\n"
			    "objectClass: user\n"
			    "description: %0300d\n",
			    i, i);
		strbuf_addstr(&sb, "\n");
	}
	strbuf_addstr(&sb, "dn: CN=Big,OU=Groups,DC=contoso,DC=com\n"
			   "changetype: add\n"
			   "objectClass: group\n");
	for (int i = 0; i < 30000; i++) {
		strbuf_addf(&sb, "member: CN=M%d,OU=Users,DC=contoso,DC=com\n",
			    i);
	}
	strbuf_addstr(&sb, "\n"
			   "dn: CN=Last,OU=Users,DC=contoso,DC=com\n"
			   "objectClass: user\n");
	return strbuf_detach(&sb, NULL);
}

/*
 * Reads the whole of text with f set; the entries read, the status the
 * scan ended with, the errors counted and stderr (in *err).
 */
static size_t
scan(const char *text, enum seek_fault f, enum status *end, unsigned *errors,
     char **err)
{
	char *path = tap_write_file("/tmp/test-reread-XXXXXX", text);
	char errpath[] = "/tmp/test-reread-err-XXXXXX";
	int efd = mkstemp(errpath);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(efd, STDERR_FILENO);
	fault = f;
	fault_path = path;
	fault_text = text;
	seeks = 0;
	unsigned before = log_error_count();
	const char *want[] = {"member", NULL};
	struct scan_source *src =
		scan_source_ldif_new(path, want, NULL, NULL, end);
	size_t n = 0;
	struct scan_entry *e = NULL;
	while (src != NULL && (*end = scan_source_next(src, &e)) == STATUS_OK &&
	       e != NULL) {
		n++;
		scan_entry_free(e);
	}
	scan_source_free(src);
	*errors = log_error_count() - before;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	struct strbuf sb;
	strbuf_init(&sb);
	char chunk[512];
	ssize_t got;
	lseek(efd, 0, SEEK_SET);
	while ((got = read(efd, chunk, sizeof(chunk))) > 0) {
		strbuf_add(&sb, chunk, (size_t)got);
	}
	close(efd);
	unlink(errpath);
	/* The file's name, for the caller to look for. */
	strbuf_addf(&sb, "%c%s", '\0', path);
	*err = strbuf_detach(&sb, NULL);
	unlink(path);
	free(path);
	return n;
}

/* True if err (from scan()) has "<file>:<line>: " followed by text. */
static bool
says(const char *err, unsigned long line, const char *text)
{
	const char *path = err + strlen(err) + 1;
	char want[512];
	snprintf(want, sizeof(want), "%s:%lu: %s", path, line, text);
	return strstr(err, want) != NULL;
}

int
main(void)
{
	enum status end;
	unsigned errors;
	char *err;

	/* Without a fault: each slow record is read again, once. */
	size_t n = scan("version: 1\n"
			"\n"
			"dn: CN=A,DC=contoso,DC=com\n"
			"objectClass: user\n"
			"\n"
			"dn: CN=B,DC=contoso,DC=com\n"
			"changetype: add\n"
			"objectClass: user\n",
			FAULT_NONE, &end, &errors, &err);
	ok(n == 2 && end == STATUS_OK && errors == 0,
	   "small file: every entry read");
	is_int(seeks, 2, "small file: the slow records read again, no other");
	free(err);
	char *big = big_text();
	n = scan(big, FAULT_NONE, &end, &errors, &err);
	ok(n == 1002 && end == STATUS_OK && errors == 0,
	   "1 MB slow record: every entry read");
	is_int(seeks, 1, "1 MB slow record: read again");
	free(err);

	n = scan("dn: CN=A,DC=contoso,DC=com\n"
		 "objectClass: user\n"
		 "\n"
		 "dn: CN=B,DC=contoso,DC=com\n"
		 "changetype: add\n"
		 "objectClass: user\n"
		 "\n"
		 "dn: CN=C,DC=contoso,DC=com\n"
		 "objectClass: user\n",
		 FAULT_FAIL, &end, &errors, &err);
	ok(n == 1 && end == STATUS_ERR_IO,
	   "failed seek: an I/O error after the entry before");
	ok(errors == 1 &&
		   says(err, 3,
			"cannot go back to read the LDIF record after this "
			"line again: ") &&
		   strstr(err, strerror(EIO)) != NULL,
	   "failed seek: one error naming the file, the line and why");
	if (errors != 1) {
		printf("# stderr was: %s\n", err);
	}
	free(err);

	/* The file changed between the two reads: one error each. */
	static const struct {
		enum seek_fault fault;
		const char *what;
		const char *says;
	} changed[] = {
		{FAULT_TRUNCATE, "file cut short before the second read",
		 "cannot read the LDIF record after this line again: it is "
		 "not what was read the first time"},
		{FAULT_REWRITE, "another record written over it",
		 "cannot read the LDIF record after this line again"},
		{FAULT_LONGER, "a byte more in the record, in as many lines",
		 "cannot read the LDIF record after this line again"},
		{FAULT_SPLIT, "a line more in the record, as many bytes",
		 "cannot read the LDIF record after this line again"},
	};
	for (size_t i = 0; i < sizeof(changed) / sizeof(*changed); i++) {
		char what[128];
		n = scan(big, changed[i].fault, &end, &errors, &err);
		snprintf(what, sizeof(what), "%s: an I/O error",
			 changed[i].what);
		ok(n == 1000 && end == STATUS_ERR_IO, what);
		snprintf(what, sizeof(what),
			 "%s: one error naming the file and the line",
			 changed[i].what);
		ok(errors == 1 && says(err, 4000, changed[i].says), what);
		if (errors != 1) {
			printf("# stderr was: %s\n", err);
		}
		free(err);
	}
	free(big);
	return tap_done();
}
