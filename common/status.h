/*
 * Status codes that cross module boundaries.
 *
 * Cross-module calls return enum status; the error has already been logged
 * once where it was detected, so callers only pass it up.  main.c maps a
 * status to the process exit code (status_exit_code()).
 */
#pragma once

enum status {
	STATUS_OK = 0,
	STATUS_ERR_USAGE,	/* bad command line or option value */
	STATUS_ERR_CONFIG,	/* bad rule pack, TLD file, CSV to import */
	STATUS_ERR_DIRECTORY,	/* server unreachable, search failed, bad LDIF */
	STATUS_ERR_CREDENTIALS,	/* bind refused, cleartext bind refused */
	STATUS_ERR_STORE,	/* SQLite failure */
	STATUS_ERR_IO,		/* file system */
	STATUS_ERR_INTERRUPTED,	/* SIGINT/SIGTERM during a scan */
	STATUS_ERR_UNEXPECTED,
};

/* A short lower-case name of the status, for logs and the store. */
const char *
status_str(enum status st);

/* 0 for STATUS_OK, 2 for STATUS_ERR_USAGE, 1 for every other failure. */
int
status_exit_code(enum status st);
