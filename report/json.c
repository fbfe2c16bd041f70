/*
 * The JSON report, for automation.  Field names and the treatment of
 * invalid UTF-8 are documented in report/README.md; once released they do
 * not change (format_version says when they would).
 */
#define LOG_MODULE "report"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "report/html-escape.h"
#include "report/writers.h"

/* Bumped only if a field changes meaning or disappears. */
#define JSON_FORMAT_VERSION 1

struct json_walk {
	FILE *out;
	struct strbuf sb;
	size_t n;
};

static enum status
flush(FILE *out, struct strbuf *sb)
{
	if (sb->len > 0 && fwrite(sb->buf, 1, sb->len, out) != sb->len) {
		LOG_ERRNO("cannot write the JSON report");
		return STATUS_ERR_IO;
	}
	strbuf_reset(sb);
	return STATUS_OK;
}

static void
field_str(struct strbuf *sb, const char *name, const char *value, bool comma)
{
	strbuf_addf(sb, "%s\"%s\": ", comma ? ", " : "", name);
	json_string(sb, value, JSON_ESCAPE_PLAIN);
}

static void
field_int(struct strbuf *sb, const char *name, int64_t value)
{
	strbuf_addf(sb, ", \"%s\": %" PRId64, name, value);
}

/* The objects {"<name>": counts[i].name, "count": counts[i].count}, … */
static void
count_objects(struct strbuf *sb, const char *name,
	      const struct store_count *counts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(sb, i == 0 ? "{" : ", {");
		field_str(sb, name, counts[i].name, false);
		field_int(sb, "count", counts[i].count);
		strbuf_addch(sb, '}');
	}
}

static enum status
add_finding(void *ctx, const struct finding *f)
{
	struct json_walk *w = ctx;
	struct strbuf *sb = &w->sb;

	strbuf_addstr(sb, w->n == 0 ? "\n    {" : ",\n    {");
	/* The CSV's columns, in its order, lower_snake_case. */
	field_str(sb, "distinguished_name", f->dn, false);
	field_str(sb, "common_name", f->cn, true);
	field_str(sb, "object_class", f->objectclass, true);
	field_str(sb, "attribute", f->attribute, true);
	field_str(sb, "error", f->error, true);
	field_str(sb, "value", f->value, true);
	field_str(sb, "update", f->update, true);
	field_str(sb, "proposed_action", f->proposed_action, true);
	field_str(sb, "action", f->action, true);
	field_str(sb, "rule", f->rule, true);
	field_str(sb, "severity", finding_severity_str(f->severity), true);
	field_str(sb, "object_guid", f->objectguid, true);
	field_str(sb, "status", f->status, true);
	strbuf_addch(sb, '}');
	w->n++;
	if (sb->len >= 65536) {
		return flush(w->out, sb);
	}
	return STATUS_OK;
}

enum status
report_json_write(struct store *s, const struct store_scan *scan,
		  int64_t previous_id, FILE *out)
{
	struct json_walk w = {.out = out};
	struct store_count *skipped = NULL, *summary = NULL;
	size_t n_skipped = 0, n_summary = 0;
	struct strbuf *sb = &w.sb;
	enum status st;

	strbuf_init(sb);
	st = store_skipped_counts(s, scan->id, &skipped, &n_skipped);
	if (st != STATUS_OK) {
		goto out;
	}
	st = store_summary_counts(s, scan->id, &summary, &n_summary);
	if (st != STATUS_OK) {
		goto out;
	}
	strbuf_addf(sb, "{\n  \"format\": \"syncready-report\",\n"
			"  \"format_version\": %d,\n  \"scan\": {",
		    JSON_FORMAT_VERSION);
	strbuf_addf(sb, "\"id\": %" PRId64, scan->id);
	field_str(sb, "state", scan->state, true);
	field_str(sb, "reason", scan->reason, true);
	field_str(sb, "started", scan->started, true);
	field_str(sb, "finished", scan->finished, true);
	field_str(sb, "source_kind", scan->source_kind, true);
	field_str(sb, "source", scan->source, true);
	field_str(sb, "base", scan->base, true);
	field_str(sb, "filter", scan->filter, true);
	field_str(sb, "rule_pack", scan->rule_pack, true);
	field_str(sb, "rule_pack_hash", scan->rule_pack_hash, true);
	field_str(sb, "label", scan->label, true);
	field_str(sb, "tool_version", scan->tool_version, true);
	field_int(sb, "objects_read", scan->objects_read);
	field_int(sb, "objects_skipped", scan->objects_skipped);
	field_int(sb, "findings", scan->findings);
	field_int(sb, "errors", scan->errors);
	field_int(sb, "warnings", scan->warnings);
	field_int(sb, "infos", scan->infos);
	if (previous_id != 0) {
		field_int(sb, "compared_with", previous_id);
	} else {
		strbuf_addstr(sb, ", \"compared_with\": null");
	}
	strbuf_addstr(sb, "},\n  \"skipped\": [");
	count_objects(sb, "reason", skipped, n_skipped);
	strbuf_addstr(sb, "],\n  \"counts\": [");
	count_objects(sb, "name", summary, n_summary);
	strbuf_addstr(sb, "],\n  \"findings\": [");
	st = store_each_finding_compared(s, scan->id, previous_id,
					 add_finding, &w);
	if (st != STATUS_OK) {
		goto out;
	}
	strbuf_addstr(sb, w.n > 0 ? "\n  ]" : "]");
	if (previous_id != 0) {
		/* Findings of the older scan that this one no longer has. */
		strbuf_addstr(sb, ",\n  \"fixed\": [");
		w.n = 0;
		st = store_each_fixed(s, scan->id, previous_id, add_finding, &w);
		if (st != STATUS_OK) {
			goto out;
		}
		strbuf_addstr(sb, w.n > 0 ? "\n  ]" : "]");
	}
	strbuf_addstr(sb, "\n}\n");
	st = flush(out, sb);
	if (st == STATUS_OK && fflush(out) != 0) {
		LOG_ERRNO("cannot write the JSON report");
		st = STATUS_ERR_IO;
	}
out:
	store_counts_free(skipped, n_skipped);
	store_counts_free(summary, n_summary);
	strbuf_release(sb);
	return st;
}
