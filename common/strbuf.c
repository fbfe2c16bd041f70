#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/xalloc.h"

/* Shared empty buffer so that an initialised strbuf costs no allocation. */
static char empty[1];

void
strbuf_init(struct strbuf *sb)
{
	sb->buf = empty;
	sb->len = 0;
	sb->cap = 0;
}

void
strbuf_release(struct strbuf *sb)
{
	if (sb->cap != 0) {
		free(sb->buf);
	}
	strbuf_init(sb);
}

void
strbuf_reset(struct strbuf *sb)
{
	if (sb->cap != 0) {
		sb->buf[0] = '\0';
	}
	sb->len = 0;
}

char *
strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *s = sb->cap != 0 ? sb->buf : xstrdup("");
	if (len != NULL) {
		*len = sb->len;
	}
	strbuf_init(sb);
	return s;
}

static void
grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap) {
		return;
	}
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need) {
		cap *= 2;
	}
	char *old = sb->cap != 0 ? sb->buf : NULL;
	sb->buf = xreallocarray(old, cap, 1);
	if (old == NULL) {
		sb->buf[0] = '\0';
	}
	sb->cap = cap;
}

void
strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	grow(sb, len);
	if (len > 0) {
		memcpy(sb->buf + sb->len, data, len);
	}
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

char *
strbuf_extend(struct strbuf *sb, size_t len)
{
	grow(sb, len);
	char *p = sb->buf + sb->len;
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return p;
}

void
strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void
strbuf_addch(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void
strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0) {
		return;
	}
	grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void
strbuf_truncate(struct strbuf *sb, size_t len)
{
	if (len >= sb->len) {
		return;
	}
	sb->len = len;
	sb->buf[len] = '\0';
}
