# tests/ad/hosts.sh -- sourced by tests/ad/lib.sh and scripts/demo: makes
# the DC's name (its certificate and Kerberos principal carry it) resolve
# to 127.0.0.1 for the clients run with ad_ns, without changing the
# machine's /etc/hosts where that can be avoided.  Needs AD_HOSTS and
# AD_DC_FQDN (samba.sh env).
# shellcheck shell=bash

AD_HOSTS_MARK='# syncready tests/ad (removed when the test ends)'

# ad_ns CMD...: runs CMD where the DC's name resolves to 127.0.0.1: a
# private mount namespace with $AD_HOSTS bind-mounted over /etc/hosts.
# TLS checks the certificate Samba made for that name; Kerberos needs it
# for the service principal ldap/<name>.
ad_ns() {
	if [ "${AD_NS_MODE:-ns}" = etc-hosts ]; then
		"$@"
		return
	fi
	unshare --mount --propagation private -- /bin/sh -c \
		'mount --bind "$0" /etc/hosts && exec "$@"' "$AD_HOSTS" "$@"
}

# ad_ns_setup: sets AD_NS_MODE to ns when mount namespaces work here.
# Where they are not allowed (a container without CAP_SYS_ADMIN), or
# AD_FORCE_ETC_HOSTS is set, it is etc-hosts instead: one marked line is
# added to /etc/hosts, which ad_ns_down removes again.  Fails when neither
# works.
ad_ns_setup() {
	if [ -z "${AD_FORCE_ETC_HOSTS:-}" ] && unshare --mount --propagation private -- /bin/sh -c \
		'mount --bind "$0" /etc/hosts' "$AD_HOSTS" 2>/dev/null; then
		AD_NS_MODE=ns
		return 0
	fi
	AD_NS_MODE=etc-hosts
	grep -qF "$AD_HOSTS_MARK" /etc/hosts ||
		printf '127.0.0.1 %s %s\n' "$AD_DC_FQDN" "$AD_HOSTS_MARK" >> /etc/hosts
}

# ad_ns_down: removes the line ad_ns_setup added, if it added one.
ad_ns_down() {
	local tmp rc=0
	[ "${AD_NS_MODE:-}" = etc-hosts ] || return 0
	tmp=$(mktemp) || return 1
	# grep: 1 is "no line left", 2 an error (then /etc/hosts stays as is);
	# written in place (sed -i would replace a bind-mounted /etc/hosts).
	grep -vF "$AD_HOSTS_MARK" /etc/hosts > "$tmp" || rc=$?
	[ "$rc" -le 1 ] && cat "$tmp" > /etc/hosts
	rm -f "$tmp"
	AD_NS_MODE=
}
