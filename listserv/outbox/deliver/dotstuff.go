package deliver

import (
	"bytes"
	"slices"
)

// dotStuff appends src to dst in the form DATA needs (RFC 5321 §4.5.2):
// every line ends in CRLF (a bare LF or CR becomes CRLF), a line starting
// with "." gets a second one, and a last line without an end gets CRLF.
// The terminating "." line is not included, so a header block and the
// shared body can be stuffed separately and sent one after the other.
func dotStuff(dst, src []byte) []byte {
	dst = slices.Grow(dst, len(src)+len(src)/64+2)
	for len(src) > 0 {
		if src[0] == '.' {
			dst = append(dst, '.')
		}
		i := bytes.IndexAny(src, "\r\n")
		if i < 0 {
			dst = append(dst, src...)
			return append(dst, '\r', '\n')
		}
		dst = append(dst, src[:i]...)
		dst = append(dst, '\r', '\n')
		if src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n' {
			i++
		}
		src = src[i+1:]
	}
	return dst
}
