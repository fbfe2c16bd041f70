/*
 * Threads of our own that never take a signal: SIGINT and SIGTERM must
 * reach the thread that watches for them (main.c), and a read or write
 * in a helper thread is never cut short by EINTR.
 */
#pragma once

#include <pthread.h>

/* pthread_create() with every signal blocked in the new thread. */
int
thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);
