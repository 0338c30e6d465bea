package bpf

import "strings"

// token is one lexeme of a filter expression: a word (keyword, address,
// number, "lo-hi") or one of the punctuation tokens ( ) ! && ||.
type token struct {
	text string
	off  int // byte offset in the expression
}

// lex splits an expression the way pcap-filter(7) reads it: words are runs
// of anything but blanks and the punctuation characters "()!&|".
func lex(s string) []token {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, token{s[i : i+1], i})
			i++
		case c == '!':
			toks = append(toks, token{"!", i})
			i++
		case c == '&' || c == '|':
			if i+1 < len(s) && s[i+1] == c {
				toks = append(toks, token{s[i : i+2], i})
				i += 2
			} else {
				toks = append(toks, token{s[i : i+1], i}) // rejected by the parser
				i++
			}
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()!&|", rune(s[j])) {
				j++
			}
			toks = append(toks, token{s[i:j], i})
			i = j
		}
	}
	return toks
}
