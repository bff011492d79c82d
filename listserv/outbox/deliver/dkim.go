package deliver

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIMHeaderKeys are the header fields every signature covers, in h=
// order. Each is listed twice ("over-signed"): the first entry signs the
// field the message has (if any), the second signs its absence, so a
// second From, Subject or List-Unsubscribe added on the way breaks the
// signature instead of riding on it (RFC 6376 §8.15). Fields minyan adds
// per recipient (List-Unsubscribe, List-Unsubscribe-Post) are signed
// per recipient, since the signature is made after they are spliced in.
var DKIMHeaderKeys = overSign(
	"From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	"List-Id", "List-Help", "List-Subscribe", "List-Unsubscribe", "List-Unsubscribe-Post",
	"List-Post", "List-Owner", "List-Archive",
)

func overSign(keys ...string) []string {
	out := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		out = append(out, k, k)
	}
	return out
}

// DKIM signs outgoing mail for one domain with one key (the `[dkim]`
// section of the config):
// relaxed/relaxed canonicalization, SHA-256, the fields of
// DKIMHeaderKeys. Build it once at start; it is safe for concurrent use
// and keeps the parsed key, so signing never touches the disk.
type DKIM struct {
	opts dkim.SignOptions
}

// NewDKIM prepares signing as domain (d=) with selector (s=). key is an
// RSA (at least 1024 bits; 2048 recommended) or Ed25519 private key, as
// ParseDKIMKey returns. A trial signature is made so a broken key fails
// here, at start, rather than on every message.
func NewDKIM(domain, selector string, key crypto.Signer) (*DKIM, error) {
	if domain == "" || selector == "" || key == nil {
		return nil, errors.New("dkim: domain, selector and key are all needed")
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	d := &DKIM{opts: dkim.SignOptions{
		Domain:                 domain,
		Selector:               selector,
		Signer:                 key,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             DKIMHeaderKeys,
	}}
	if _, err := d.Sign(nil, []byte("From: x@"+domain+"\r\n\r\ntest\r\n")); err != nil {
		return nil, fmt.Errorf("dkim: trial signature: %w", err)
	}
	return d, nil
}

// Domain is the signing domain (d=).
func (d *DKIM) Domain() string { return d.opts.Domain }

// Selector is the key's selector (s=).
func (d *DKIM) Selector() string { return d.opts.Selector }

// Sign returns the DKIM-Signature field (folded, ending in CRLF) for the
// message whose bytes are head followed by body, exactly as the receiver
// will see them (CRLF line ends, see wireText). head holds the
// per-recipient header lines spliced in front of the shared bytes; it may
// be empty.
func (d *DKIM) Sign(head, body []byte) (string, error) {
	return d.signParts(head, body)
}

// signParts is Sign for a body written in pieces: the shared bytes with
// a recipient's fill between them (see filled).
func (d *DKIM) signParts(head []byte, body ...[]byte) (string, error) {
	opts := d.opts // NewSigner only reads it; a copy keeps callers apart
	s, err := dkim.NewSigner(&opts)
	if err != nil {
		return "", err
	}
	if len(head) > 0 {
		if _, err := s.Write(head); err != nil {
			s.Close()
			return "", err
		}
	}
	for _, b := range body {
		if _, err := s.Write(b); err != nil {
			s.Close()
			return "", err
		}
	}
	if err := s.Close(); err != nil {
		return "", err
	}
	return s.Signature(), nil
}

func checkKey(key crypto.Signer) error {
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < 1024 {
			return fmt.Errorf("dkim: the RSA key has %d bits; receivers ignore keys under 1024 bits (use 2048)", pub.N.BitLen())
		}
	case ed25519.PublicKey:
	default:
		return fmt.Errorf("dkim: unsupported key type %T (use RSA or Ed25519)", pub)
	}
	return nil
}

// ParseDKIMKey reads a PEM private key: PKCS#8 ("PRIVATE KEY", RSA or
// Ed25519, as `minyan dkim keygen` and `openssl genpkey` write) or PKCS#1
// ("RSA PRIVATE KEY", as older `openssl genrsa` writes).
func ParseDKIMKey(data []byte) (crypto.Signer, error) {
	var block *pem.Block
	for rest := data; ; {
		block, rest = pem.Decode(rest)
		if block == nil || strings.Contains(block.Type, "PRIVATE KEY") {
			break
		}
	}
	if block == nil {
		return nil, errors.New("no PEM private key found (expected -----BEGIN PRIVATE KEY-----)")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not supported (use PRIVATE KEY or RSA PRIVATE KEY)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the private key: %w", err)
	}
	var signer crypto.Signer
	switch k := key.(type) {
	case *rsa.PrivateKey:
		signer = k
	case ed25519.PrivateKey:
		signer = k
	case *ed25519.PrivateKey:
		signer = *k
	default:
		return nil, fmt.Errorf("unsupported key type %T (use RSA or Ed25519)", key)
	}
	if err := checkKey(signer); err != nil {
		return nil, err
	}
	return signer, nil
}

// MarshalDKIMKey writes a private key as PKCS#8 PEM.
func MarshalDKIMKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// DKIMRecord is the TXT record that publishes key's public half at
// SELECTOR._domainkey.DOMAIN: "v=DKIM1; k=rsa; p=..." (RSA as a DER
// SubjectPublicKeyInfo, Ed25519 as the raw 32 bytes, RFC 8463).
func DKIMRecord(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", err
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k), nil
	}
	return "", fmt.Errorf("unsupported public key type %T", pub)
}

// wireText returns b as the receiver sees it after SMTP: every line end
// CRLF (a bare LF or CR becomes CRLF, as dotStuff does) and a final CRLF.
// It returns b itself when nothing needs changing, which is the rule for
// what listserv queues.
func wireText(b []byte) []byte {
	clean := len(b) == 0 || bytes.HasSuffix(b, []byte("\r\n"))
	for i := 0; clean && i < len(b); i++ {
		switch b[i] {
		case '\r':
			clean = i+1 < len(b) && b[i+1] == '\n'
		case '\n':
			clean = i > 0 && b[i-1] == '\r'
		}
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/32+2)
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			out = append(out, b...)
			return append(out, '\r', '\n')
		}
		out = append(out, b[:i]...)
		out = append(out, '\r', '\n')
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			i++
		}
		b = b[i+1:]
	}
	return out
}

// signature is the DKIM-Signature field for j's copy, "" when mail is not
// signed. A recipient with its own header lines (personalized mail) gets
// a signature of its own; the others share the message's, made once. A
// message that cannot be signed is sent unsigned (logged): refusing it
// would only retry the same failure until it is given up.
func (w *Worker) signature(j *job) string {
	d := w.o.DKIM
	if d == nil || j.msg.canon == nil {
		return ""
	}
	head, fill := j.rcpts[0].Header, j.rcpts[0].Fill
	if head == "" && fill == "" {
		j.msg.sigOnce.Do(func() { j.msg.sig = w.sign(d, j, nil) })
		return j.msg.sig
	}
	var h []byte
	if head != "" {
		h = wireText([]byte(head))
	}
	return w.sign(d, j, h)
}

// sign signs j's copy: head, then the shared body with the recipient's
// fill over the message's marks.
func (w *Worker) sign(d *DKIM, j *job, head []byte) string {
	sig, err := d.signParts(head, filled(j.msg.canon, j.msg.canonMarks, len(j.msg.q.Mark), j.rcpts[0].Fill)...)
	if err != nil {
		w.log.Warn("DKIM signing failed; sending unsigned", "msg", j.msg.q.ID, "list", j.msg.q.List, "err", err)
		return ""
	}
	return sig
}
