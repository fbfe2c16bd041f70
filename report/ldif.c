/*
 * The LDIF change file and its undo file (SPEC §5).  Unlike IdFix's "LDF"
 * export (reference/idfix.md §8.4) every line comes from libldap's own
 * LDIF writer, so values that need base64 get it, there is no cn: line in
 * a change record, and one finding is one modify record, which LDAP
 * applies atomically (IdFix's delete-then-add of a proxy address could
 * lose the value halfway).
 *
 * What a finding becomes (ACTION, or PROPOSEDACTION with --accept):
 *
 *   Edit, single-valued      replace: attr / attr: UPDATE
 *   Edit, proxyAddresses     delete: VALUE, then add: UPDATE
 *   Edit with empty UPDATE   as Remove
 *   Remove, single-valued    delete: attr / attr: VALUE (the attribute
 *                            goes; naming the old value makes the change
 *                            fail instead of deleting a value someone
 *                            changed since the scan)
 *   Remove, proxyAddresses   delete: proxyAddresses / proxyAddresses: VALUE
 *   Complete or empty        nothing
 *
 * The undo record of each change is its exact inverse; the undo file holds
 * them last change first.
 */
#define LOG_MODULE "report"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lber.h>
/* ldif.h uses FILE without including stdio.h. */
#include <ldif.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "report/writers.h"

/*
 * IdFix's attribute spellings (and any lower-cased one) to AD's
 * lDAPDisplayName.  LDAP names are case-insensitive, so this is cosmetic,
 * but an admin reading the file sees the names they know.
 */
static const struct {
	const char *name;
	bool multi;
} ad_attributes[] = {
	{"displayName", false},	      {"givenName", false},
	{"mail", false},	      {"mailNickname", false},
	{"proxyAddresses", true},     {"sAMAccountName", false},
	{"targetAddress", false},     {"userPrincipalName", false},
	{"sn", false},		      {"company", false},
	{"department", false},	      {"title", false},
	{"streetAddress", false},     {"telephoneNumber", false},
	{"mobile", false},	      {"c", false},
	{"co", false},		      {"countryCode", false},
	{"preferredLanguage", false}, {"msExchMailboxGuid", false},
	{"otherMailbox", true},	      {"url", true},
	{"wWWHomePage", false},	      {"physicalDeliveryOfficeName", false},
};

static const char *
ad_name(const char *attribute, bool *multi)
{
	for (size_t i = 0; i < sizeof(ad_attributes) / sizeof(ad_attributes[0]);
	     i++) {
		if (strcasecmp(attribute, ad_attributes[i].name) == 0) {
			*multi = ad_attributes[i].multi;
			return ad_attributes[i].name;
		}
	}
	*multi = false;
	return attribute;
}

/* An attribute description LDIF can carry: descr *( ";" option ). */
static bool
valid_attribute(const char *a)
{
	if (!((a[0] >= 'A' && a[0] <= 'Z') || (a[0] >= 'a' && a[0] <= 'z'))) {
		return false;
	}
	for (const char *p = a; *p != '\0'; p++) {
		char c = *p;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == ';')) {
			return false;
		}
	}
	return true;
}

enum ldif_action {
	LDIF_NONE,
	LDIF_EDIT,
	LDIF_REMOVE,
	LDIF_BAD,
};

static enum ldif_action
parse_action(const char *a)
{
	if (a == NULL || a[0] == '\0' || strcasecmp(a, "complete") == 0) {
		return LDIF_NONE;
	}
	if (strcasecmp(a, "edit") == 0) {
		return LDIF_EDIT;
	}
	if (strcasecmp(a, "remove") == 0) {
		return LDIF_REMOVE;
	}
	return LDIF_BAD;
}

/* One LDIF line through libldap's writer. */
static void
put(struct strbuf *sb, int type, const char *name, const char *val)
{
	char *line = ldif_put_wrap(type, name, val,
				   val != NULL ? strlen(val) : 0,
				   LDIF_LINE_WIDTH);
	if (line == NULL) {
		/* ldif_put() returns NULL only when out of memory. */
		abort();
	}
	strbuf_addstr(sb, line);
	ber_memfree(line);
}

/* One modification of a modify record: "op: attr", the value, "-". */
static void
put_mod(struct strbuf *sb, const char *op, const char *attr,
	const char *value)
{
	put(sb, LDIF_PUT_VALUE, op, attr);
	if (value != NULL) {
		put(sb, LDIF_PUT_VALUE, attr, value);
	}
	strbuf_addstr(sb, "-\n");
}

static void
put_header(struct strbuf *sb, const char *dn, const char *rule)
{
	/* A comment only when it cannot break the line structure. */
	bool printable = rule != NULL && rule[0] != '\0';
	for (const char *p = rule; printable && *p != '\0'; p++) {
		printable = *p >= 0x20 && *p < 0x7f;
	}
	if (printable) {
		strbuf_addf(sb, "# %s\n", rule);
	}
	put(sb, LDIF_PUT_VALUE, "dn", dn);
	put(sb, LDIF_PUT_VALUE, "changetype", "modify");
}

struct ldif_walk {
	bool accept;
	struct strbuf changes;
	char **undo; /* undo records, in change order */
	size_t n_undo;
	size_t cap_undo;
	size_t n;
	/* The last finding written: one change per DN + attribute + value. */
	char *last_dn;
	char *last_attribute;
	char *last_value;
	/*
	 * Values of last_dn's last_attribute (multi-valued) that the
	 * changes so far add and delete.
	 */
	struct value_list {
		char **v;
		size_t n, cap;
	} added, deleted;
	FILE *out;
};

static bool
same_as_last(struct ldif_walk *w, const struct finding *f)
{
	return w->last_dn != NULL && strcasecmp(w->last_dn, f->dn) == 0 &&
	       strcasecmp(w->last_attribute, f->attribute) == 0 &&
	       strcmp(w->last_value, f->value != NULL ? f->value : "") == 0;
}

static void
list_clear(struct value_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i]);
	}
	l->n = 0;
}

static void
list_add(struct value_list *l, const char *value)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(value);
}

/*
 * True if l holds value, compared as AD compares proxy addresses (without
 * regard to case); with twin, only a value that differs from it in case.
 */
static bool
list_has(const struct value_list *l, const char *value, bool twin)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcasecmp(l->v[i], value) == 0 &&
		    (!twin || strcmp(l->v[i], value) != 0)) {
			return true;
		}
	}
	return false;
}

static void
remember(struct ldif_walk *w, const struct finding *f)
{
	free(w->last_dn);
	free(w->last_attribute);
	free(w->last_value);
	w->last_dn = xstrdup(f->dn);
	w->last_attribute = xstrdup(f->attribute);
	w->last_value = xstrdup(f->value != NULL ? f->value : "");
}

static void
add_undo(struct ldif_walk *w, struct strbuf *rec)
{
	if (w->n_undo == w->cap_undo) {
		w->cap_undo = w->cap_undo == 0 ? 64 : w->cap_undo * 2;
		w->undo = xreallocarray(w->undo, w->cap_undo, sizeof(*w->undo));
	}
	w->undo[w->n_undo++] = strbuf_detach(rec, NULL);
}

static enum status
add_finding(void *ctx, const struct finding *f)
{
	struct ldif_walk *w = ctx;
	const char *how = w->accept ? f->proposed_action : f->action;
	enum ldif_action act = parse_action(how);

	if (act == LDIF_NONE) {
		return STATUS_OK;
	}
	if (f->dn == NULL || f->attribute == NULL) {
		LOG_WARN("skipping a finding without DN or attribute");
		return STATUS_OK;
	}
	if (act == LDIF_BAD) {
		LOG_WARN("%s: %s: unknown action \"%s\" (Edit, Remove or "
			 "Complete): no change written",
			 f->dn, f->attribute, how);
		return STATUS_OK;
	}
	if (!valid_attribute(f->attribute)) {
		LOG_WARN("%s: \"%s\" is not an LDAP attribute name: no change "
			 "written",
			 f->dn, f->attribute);
		return STATUS_OK;
	}
	if (same_as_last(w, f)) {
		/* Two rules on one value: the first finding decides. */
		LOG_DBG("%s: %s: one change per value, later finding skipped",
			f->dn, f->attribute);
		return STATUS_OK;
	}

	bool multi;
	const char *attr = ad_name(f->attribute, &multi);
	const char *value = f->value != NULL ? f->value : "";
	const char *update = f->update != NULL ? f->update : "";
	if (act == LDIF_EDIT && update[0] == '\0') {
		act = LDIF_REMOVE;
	}
	if (act == LDIF_EDIT && strcmp(update, value) == 0) {
		LOG_INFO("%s: %s: UPDATE equals VALUE: no change written",
			 f->dn, attr);
		return STATUS_OK;
	}
	/* Findings come ordered by DN and attribute. */
	if (w->last_dn == NULL || strcasecmp(w->last_dn, f->dn) != 0 ||
	    strcasecmp(w->last_attribute, f->attribute) != 0) {
		list_clear(&w->added);
		list_clear(&w->deleted);
	}
	if (act == LDIF_EDIT && multi && list_has(&w->added, update, false)) {
		/*
		 * Two values of one object fix to the same value (SMTP:a b@x
		 * and smtp:a b@x both to a@x): the first change adds it, this
		 * one only removes its old value, or the server refuses it.
		 */
		LOG_INFO("%s: %s: \"%s\" is already added by an earlier "
			 "change: only the old value is removed",
			 f->dn, attr, update);
		act = LDIF_REMOVE;
	}
	if (act == LDIF_REMOVE && value[0] == '\0') {
		LOG_WARN("%s: %s: nothing to remove (the value is empty): no "
			 "change written",
			 f->dn, attr);
		return STATUS_OK;
	}

	/*
	 * An object that held two values differing only in case (SMTP:a@x
	 * and smtp:a@x: slapadd can load that, AD and slapd refuse to
	 * create it) cannot get both back: the undo restores the first.
	 */
	bool restore = true;
	if (multi && value[0] != '\0' && list_has(&w->deleted, value, true)) {
		LOG_WARN("%s: %s: \"%s\" differs only in case from a value "
			 "removed before: the undo file restores only that one",
			 f->dn, attr, value);
		restore = false;
	}
	struct strbuf undo;
	strbuf_init(&undo);
	struct strbuf *chg = &w->changes;
	put_header(chg, f->dn, f->rule);
	put_header(&undo, f->dn, f->rule);
	if (act == LDIF_REMOVE) {
		put_mod(chg, "delete", attr, value);
		if (restore) {
			put_mod(&undo, "add", attr, value);
		}
		if (multi) {
			list_add(&w->deleted, value);
		}
	} else if (multi) {
		if (value[0] != '\0') {
			put_mod(chg, "delete", attr, value);
			list_add(&w->deleted, value);
		}
		put_mod(chg, "add", attr, update);
		list_add(&w->added, update);
		put_mod(&undo, "delete", attr, update);
		if (value[0] != '\0' && restore) {
			put_mod(&undo, "add", attr, value);
		}
	} else {
		put_mod(chg, "replace", attr, update);
		if (value[0] != '\0') {
			put_mod(&undo, "replace", attr, value);
		} else {
			/* It was absent (a Blank finding): absent again. */
			put_mod(&undo, "delete", attr, NULL);
		}
	}
	strbuf_addch(chg, '\n');
	strbuf_addch(&undo, '\n');
	if (act == LDIF_REMOVE && !restore) {
		/* Nothing to undo: no record. */
		strbuf_release(&undo);
	} else {
		add_undo(w, &undo);
	}
	remember(w, f);
	w->n++;
	if (chg->len >= 65536) {
		if (fwrite(chg->buf, 1, chg->len, w->out) != chg->len) {
			LOG_ERRNO("cannot write the LDIF change file");
			return STATUS_ERR_IO;
		}
		strbuf_reset(chg);
	}
	return STATUS_OK;
}

static enum status
write_all(FILE *out, const char *buf, size_t len, const char *what)
{
	if (len > 0 && fwrite(buf, 1, len, out) != len) {
		LOG_ERRNO("cannot write the LDIF %s", what);
		return STATUS_ERR_IO;
	}
	return STATUS_OK;
}

enum status
report_ldif_write(struct store *s, const struct store_scan *scan, bool accept,
		  FILE *changes, FILE *undo, size_t *n_changes)
{
	struct ldif_walk w = {.accept = accept, .out = changes};
	struct strbuf head;
	enum status st;

	strbuf_init(&w.changes);
	strbuf_init(&head);
	strbuf_addf(&head,
		    "# syncready scan %lld: %s\n"
		    "# Apply with ldapmodify -c -f FILE (or ldifde -i -k -f "
		    "FILE).\n"
		    "\n",
		    (long long)scan->id,
		    accept ? "the proposed actions (--accept)"
			   : "the actions chosen in the fix list");
	st = write_all(changes, head.buf, head.len, "change file");
	if (st != STATUS_OK) {
		goto out;
	}
	st = store_each_finding(s, scan->id, add_finding, &w);
	if (st != STATUS_OK) {
		goto out;
	}
	st = write_all(changes, w.changes.buf, w.changes.len, "change file");
	if (st != STATUS_OK) {
		goto out;
	}
	if (fflush(changes) != 0) {
		LOG_ERRNO("cannot write the LDIF change file");
		st = STATUS_ERR_IO;
		goto out;
	}
	if (undo != NULL) {
		strbuf_reset(&head);
		strbuf_addf(&head,
			    "# syncready scan %lld: undo file, "
			    "restores the values the change file replaces.\n"
			    "\n",
			    (long long)scan->id);
		st = write_all(undo, head.buf, head.len, "undo file");
		for (size_t i = w.n_undo; st == STATUS_OK && i > 0; i--) {
			st = write_all(undo, w.undo[i - 1],
				       strlen(w.undo[i - 1]), "undo file");
		}
		if (st == STATUS_OK && fflush(undo) != 0) {
			LOG_ERRNO("cannot write the LDIF undo file");
			st = STATUS_ERR_IO;
		}
	}
	if (w.n == 0) {
		LOG_WARN("no finding of scan %lld has %s Edit or Remove: the "
			 "LDIF holds no change (%s)",
			 (long long)scan->id,
			 accept ? "PROPOSEDACTION" : "ACTION",
			 accept ? "nothing to fix"
				: "import the edited fix list, or use --accept");
	}
	if (n_changes != NULL) {
		*n_changes = w.n;
	}
out:
	for (size_t i = 0; i < w.n_undo; i++) {
		free(w.undo[i]);
	}
	free(w.undo);
	free(w.last_dn);
	free(w.last_attribute);
	free(w.last_value);
	list_clear(&w.added);
	free(w.added.v);
	list_clear(&w.deleted);
	free(w.deleted.v);
	strbuf_release(&w.changes);
	strbuf_release(&head);
	return st;
}

char *
report_ldif_undo_path(const char *path)
{
	size_t len = strlen(path);
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	const char *dot = strrchr(base, '.');

	if (dot != NULL && dot != base &&
	    (strcasecmp(dot, ".ldif") == 0 || strcasecmp(dot, ".ldf") == 0)) {
		size_t stem = (size_t)(dot - path);
		return xasprintf("%.*s-undo%s", (int)stem, path, dot);
	}
	return xasprintf("%.*s-undo.ldif", (int)len, path);
}

/* A temporary file beside path; *tmp receives its name. */
static FILE *
open_temp(const char *path, char **tmp)
{
	*tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(*tmp);
	if (fd == -1) {
		LOG_ERRNO("cannot create a temporary file for %s", path);
		free(*tmp);
		*tmp = NULL;
		return NULL;
	}
	/* mkstemp() makes it 0600; a report is an ordinary file. */
	mode_t mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		LOG_ERRNO("cannot open %s", *tmp);
		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return f;
}

static enum status
close_temp(FILE *f, const char *tmp)
{
	/* On disk before the rename makes it visible. */
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		LOG_ERRNO("cannot write %s", tmp);
		fclose(f);
		return STATUS_ERR_IO;
	}
	if (fclose(f) != 0) {
		LOG_ERRNO("cannot write %s", tmp);
		return STATUS_ERR_IO;
	}
	return STATUS_OK;
}

enum status
report_ldif_write_files(struct store *s, const struct store_scan *scan,
			bool accept, const char *path)
{
	char *undo_path = report_ldif_undo_path(path);
	char *chg_tmp = NULL, *undo_tmp = NULL;
	FILE *chg = NULL, *undo = NULL;
	enum status st = STATUS_ERR_IO;
	size_t n = 0;

	chg = open_temp(path, &chg_tmp);
	if (chg == NULL) {
		goto out;
	}
	undo = open_temp(undo_path, &undo_tmp);
	if (undo == NULL) {
		goto out;
	}
	st = report_ldif_write(s, scan, accept, chg, undo, &n);
	if (st != STATUS_OK) {
		goto out;
	}
	st = close_temp(undo, undo_tmp);
	undo = NULL;
	if (st != STATUS_OK) {
		goto out;
	}
	st = close_temp(chg, chg_tmp);
	chg = NULL;
	if (st != STATUS_OK) {
		goto out;
	}
	if (rename(undo_tmp, undo_path) != 0) {
		LOG_ERRNO("cannot rename %s to %s", undo_tmp, undo_path);
		st = STATUS_ERR_IO;
		goto out;
	}
	free(undo_tmp);
	undo_tmp = NULL;
	if (rename(chg_tmp, path) != 0) {
		LOG_ERRNO("cannot rename %s to %s", chg_tmp, path);
		unlink(undo_path);
		st = STATUS_ERR_IO;
		goto out;
	}
	free(chg_tmp);
	chg_tmp = NULL;
	LOG_INFO("%zu changes in %s, their undo in %s", n, path, undo_path);
out:
	if (chg != NULL) {
		fclose(chg);
	}
	if (undo != NULL) {
		fclose(undo);
	}
	if (chg_tmp != NULL) {
		unlink(chg_tmp);
		free(chg_tmp);
	}
	if (undo_tmp != NULL) {
		unlink(undo_tmp);
		free(undo_tmp);
	}
	free(undo_path);
	return st;
}

enum status
report_ldif_report(struct store *s, const struct store_scan *scan,
		   bool accept, const char *path)
{
	if (path != NULL) {
		return report_ldif_write_files(s, scan, accept, path);
	}
	LOG_WARN("the LDIF goes to standard output without its undo file: "
		 "use -o FILE to write FILE and its undo file");
	enum status st = report_ldif_write(s, scan, accept, stdout, NULL, NULL);
	if (st == STATUS_OK && (fflush(stdout) != 0 || ferror(stdout))) {
		LOG_ERRNO("cannot write the LDIF report to standard output");
		st = STATUS_ERR_IO;
	}
	return st;
}
