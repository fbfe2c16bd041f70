#include "common/status.h"

const char *
status_str(enum status st)
{
	switch (st) {
	case STATUS_OK:
		return "ok";
	case STATUS_ERR_USAGE:
		return "usage error";
	case STATUS_ERR_CONFIG:
		return "configuration error";
	case STATUS_ERR_DIRECTORY:
		return "directory error";
	case STATUS_ERR_CREDENTIALS:
		return "credentials refused";
	case STATUS_ERR_STORE:
		return "database error";
	case STATUS_ERR_IO:
		return "i/o error";
	case STATUS_ERR_INTERRUPTED:
		return "interrupted";
	case STATUS_ERR_UNEXPECTED:
		return "unexpected error";
	}
	return "unknown status";
}

int
status_exit_code(enum status st)
{
	switch (st) {
	case STATUS_OK:
		return 0;
	case STATUS_ERR_USAGE:
		return 2;
	case STATUS_ERR_CONFIG:
	case STATUS_ERR_DIRECTORY:
	case STATUS_ERR_CREDENTIALS:
	case STATUS_ERR_STORE:
	case STATUS_ERR_IO:
	case STATUS_ERR_INTERRUPTED:
	case STATUS_ERR_UNEXPECTED:
		break;
	}
	return 1;
}
