package control

import (
	"reflect"
	"strings"
	"unicode"
)

// Counters flattens a counters struct (stack.Counters, ipv4.Stats,
// port.Stats, ...) into named counters: every exported integer field, in
// declaration order, named in snake case ("InHdrErrors" → "in_hdr_errors").
// Fields of other kinds are skipped, so adding a counter to a stats struct
// makes it reachable here without touching the daemon.
func Counters(stats any) []Counter {
	v := reflect.ValueOf(stats)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	t := v.Type()
	out := make([]Counter, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		var n uint64
		switch fv.Kind() {
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			n = fv.Uint()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if fv.Int() < 0 {
				continue
			}
			n = uint64(fv.Int())
		default:
			continue
		}
		out = append(out, Counter{Name: SnakeCase(f.Name), Value: n})
	}
	return out
}

// SnakeCase turns a Go identifier into snake case, keeping initialisms
// together: "ICMPInErrors" → "icmp_in_errors", "RxNoBuf" → "rx_no_buf".
func SnakeCase(s string) string {
	// Protocol names with a lower-case version letter stay one word.
	s = strings.NewReplacer("ICMPv", "Icmpv", "IPv", "Ipv").Replace(s)
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || (unicode.IsUpper(r[i-1]) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
