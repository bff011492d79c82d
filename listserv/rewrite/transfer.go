package rewrite

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
)

// Transfer-encoding helpers for the one place the list must decode a body:
// appending a footer to a single text part in its own encoding.

// toCRLF turns every bare LF (and bare CR) into CRLF: mail on the wire uses CRLF, and
// posts handed over by local tools often do not.
func toCRLF(b []byte) []byte {
	lone := bytes.Count(b, []byte("\n")) + bytes.Count(b, []byte("\r")) - 2*bytes.Count(b, []byte("\r\n"))
	if lone == 0 {
		return b
	}
	// Bare LF and bare CR both become CRLF, exactly as the delivery side
	// writes them: what is archived, signed and sent is the same text.
	out := make([]byte, 0, len(b)+lone)
	for i, c := range b {
		switch {
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			out = append(out, '\r', '\n')
		case c == '\r' && (i+1 == len(b) || b[i+1] != '\n'):
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// decodeQP decodes a quoted-printable body.
func decodeQP(b []byte) ([]byte, error) {
	out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	if err != nil {
		return nil, fmt.Errorf("decoding quoted-printable: %w", err)
	}
	return out, nil
}

// encodeQP encodes text as quoted-printable with CRLF line breaks.
func encodeQP(text []byte) []byte {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	w.Write(text) // writes to a bytes.Buffer cannot fail
	w.Close()
	return buf.Bytes()
}

// decodeBase64 decodes a base64 body, ignoring line breaks and tolerating
// missing padding.
func decodeBase64(b []byte) ([]byte, error) {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		switch c {
		case '\r', '\n', ' ', '\t':
		default:
			clean = append(clean, c)
		}
	}
	out, err := base64.StdEncoding.DecodeString(string(clean))
	if err != nil {
		var err2 error
		out, err2 = base64.RawStdEncoding.DecodeString(string(bytes.TrimRight(clean, "=")))
		if err2 != nil {
			return nil, fmt.Errorf("decoding base64: %w", err)
		}
	}
	return out, nil
}

// encodeBase64 encodes data as base64 in 76-character CRLF lines.
func encodeBase64(data []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(data)
	var buf bytes.Buffer
	for len(enc) > 76 {
		buf.WriteString(enc[:76])
		buf.WriteString("\r\n")
		enc = enc[76:]
	}
	if enc != "" {
		buf.WriteString(enc)
		buf.WriteString("\r\n")
	}
	return buf.Bytes()
}
