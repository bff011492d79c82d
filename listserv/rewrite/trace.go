package rewrite

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// PrependField puts a trace field the list writes itself (such as its
// Authentication-Results verdict) at the top of m, after removing the
// fields drop selects (drop gets the canonical key and the value), and
// makes m.Raw the new header followed by the unchanged body. The parsed
// views stay valid: trace fields are none of the fields they read. When
// the header would outgrow DefaultLimits, m is left unchanged and an
// error returned: recording a verdict must never cost the post.
func (m *Message) PrependField(field string, drop func(key, value string) bool) error {
	if !strings.HasSuffix(field, "\r\n") || !IsFieldLine([]byte(field)) {
		return fmt.Errorf("rewrite: %q is not one CRLF-terminated header field", field)
	}
	h := m.Header.Copy()
	if drop != nil {
		for it := h.Fields(); it.Next(); {
			if drop(it.Key(), it.Value()) {
				it.Del()
			}
		}
	}
	h.AddRaw([]byte(field))
	var buf bytes.Buffer
	if err := textproto.WriteHeader(&buf, h); err != nil {
		return fmt.Errorf("rewrite: writing header: %w", err)
	}
	if buf.Len() > DefaultLimits().MaxHeaderBytes {
		return fmt.Errorf("rewrite: the header would be larger than %d bytes", DefaultLimits().MaxHeaderBytes)
	}
	buf.Write(m.Body)
	m.Header, m.Raw = h, buf.Bytes()
	m.Body = m.Raw[len(m.Raw)-len(m.Body):]
	return nil
}
