package rewrite

import (
	"fmt"
	"mime"
	"strings"
)

// AddFooterPart adds text after the post as an inline text/plain part of
// its own: a new last part of a multipart/mixed, or a multipart/mixed
// wrapped around the post otherwise. Unlike AddFooter it never re-encodes
// the post's own text, so ASCII lines of text shorter than a
// quoted-printable line arrive byte for byte whatever the post's
// encoding (base64 included). Signed and encrypted posts are left as they
// are. An empty text changes nothing.
func AddFooterPart(m *Message, text string) error {
	text = normalizeFooter(text)
	if text == "" {
		return nil
	}
	ct := m.Header.Get("Content-Type")
	if strings.TrimSpace(ct) != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err == nil && isSecured(mt) {
			return nil
		}
		if err == nil && mt == "multipart/mixed" {
			done, err := appendPart(m, params["boundary"], text)
			if err != nil || done {
				if err != nil {
					return fmt.Errorf("adding a part: %w", err)
				}
				return nil
			}
		}
	}
	return wrapWithFooter(m, text)
}
