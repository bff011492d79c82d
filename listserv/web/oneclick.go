package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// Bounds on a one-click body read as multipart/form-data. The request
// body as a whole is already capped by securityHeaders.
const (
	oneClickMaxParts = 16
	oneClickMaxValue = 256
)

var errNoOneClick = errors.New("List-Unsubscribe=One-Click is missing")

// oneClickRequested reports whether a POST body asks to unsubscribe:
// the field List-Unsubscribe with the value One-Click, sent as
// application/x-www-form-urlencoded (mail clients, the page's button) or
// as multipart/form-data (which the one-click contract allows too, and
// which `curl -F` sends). Other fields are ignored; file parts are
// skipped without being stored.
func oneClickRequested(r *http.Request) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		if err := r.ParseForm(); err != nil {
			return err
		}
		if !strings.EqualFold(strings.TrimSpace(r.PostForm.Get("List-Unsubscribe")), "One-Click") {
			return errNoOneClick
		}
		return nil
	}
	if params["boundary"] == "" {
		return errors.New("multipart body without a boundary")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for range oneClickMaxParts {
		p, err := mr.NextPart()
		if err == io.EOF {
			return errNoOneClick
		}
		if err != nil {
			return err
		}
		if p.FormName() != "List-Unsubscribe" || p.FileName() != "" {
			continue // NextPart skips the rest of this part
		}
		v, err := io.ReadAll(io.LimitReader(p, oneClickMaxValue+1))
		if err != nil {
			return err
		}
		if len(v) <= oneClickMaxValue && strings.EqualFold(strings.TrimSpace(string(v)), "One-Click") {
			return nil
		}
	}
	return errors.New("too many parts in the form")
}
