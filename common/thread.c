#include "common/thread.h"

#include <signal.h>

int
thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	/* A new thread inherits the mask of the thread that creates it. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
