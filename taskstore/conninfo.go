package taskstore

import (
	"slices"
	"strings"
)

// libpqKeywords are the parameter names of a libpq connection string
// ("host=db user=me password=..."), as PostgreSQL 17 documents them.
var libpqKeywords = []string{
	"application_name", "channel_binding", "client_encoding", "connect_timeout", "dbname",
	"fallback_application_name", "gssdelegation", "gssencmode", "gsslib", "host", "hostaddr",
	"keepalives", "keepalives_count", "keepalives_idle", "keepalives_interval", "krbsrvname",
	"load_balance_hosts", "options", "passfile", "password", "port", "replication",
	"require_auth", "requirepeer", "requiressl", "service", "ssl_max_protocol_version",
	"ssl_min_protocol_version", "sslcert", "sslcertmode", "sslcompression", "sslcrl", "sslcrldir",
	"sslkey", "sslnegotiation", "sslpassword", "sslrootcert", "sslsni", "target_session_attrs",
	"tcp_user_timeout", "user",
}

// conninfoKeys reports whether s reads as a libpq key=value connection
// string: one or more key=value pairs separated by white space, values
// unquoted (up to white space) or in single quotes, with backslash escapes,
// and at least one key a libpq keyword. It returns the libpq keywords
// found, in order, each once; they name parameters, never values, so they
// are safe to print. A path such as ./host=x or v=2.db is not one.
func conninfoKeys(s string) ([]string, bool) {
	var known []string
	for s = trimSpace(s); s != ""; s = trimSpace(s) {
		key, rest, ok := conninfoPair(s)
		if !ok {
			return nil, false
		}
		if slices.Contains(libpqKeywords, key) && !slices.Contains(known, key) {
			known = append(known, key)
		}
		s = rest
	}
	return known, len(known) > 0
}

// conninfoPair reads one key=value pair from the start of s and returns
// the key and what follows the value.
func conninfoPair(s string) (key, rest string, ok bool) {
	i := 0
	for i < len(s) && (s[i] == '_' || 'a' <= s[i] && s[i] <= 'z' || 'A' <= s[i] && s[i] <= 'Z' || i > 0 && '0' <= s[i] && s[i] <= '9') {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	key, s = s[:i], trimSpace(s[i:])
	if !strings.HasPrefix(s, "=") {
		return "", "", false
	}
	rest, ok = conninfoValue(trimSpace(s[1:]))
	return key, rest, ok
}

// conninfoValue skips one value at the start of s and returns what follows.
func conninfoValue(s string) (string, bool) {
	quoted := strings.HasPrefix(s, "'")
	if quoted {
		s = s[1:]
	}
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case quoted && s[i] == '\'':
			return s[i+1:], true
		case !quoted && isSpace(s[i]):
			return s[i:], true
		}
	}
	return "", !quoted
}

func trimSpace(s string) string { return strings.TrimLeft(s, " \t\n\r\f\v") }

func isSpace(c byte) bool { return strings.IndexByte(" \t\n\r\f\v", c) >= 0 }
