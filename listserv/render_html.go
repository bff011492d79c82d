package listserv

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"strings"

	"minyan/store"
)

//go:embed templates/*.html
var htmlTemplateFS embed.FS

var htmlFuncs = template.FuncMap{"lower": strings.ToLower}

var htmlTemplates = template.Must(template.New("").Funcs(htmlFuncs).Option("missingkey=error").ParseFS(htmlTemplateFS, "templates/*.html"))

// RenderHTML renders the HTML part of a mail (templates/NAME.html) with
// html/template, so every value is escaped for where it stands. Owners
// override it like the texts: DATA_DIR/templates/LIST/NAME.html for one
// list, DATA_DIR/templates/NAME.html for every list. A broken override is
// logged and the built-in page is used.
func (s *Service) RenderHTML(list, name string, data any) (string, error) {
	for _, p := range s.overrideFiles(list, name, ".html") {
		out, err := renderHTMLFile(p, name, data)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			s.log.Error("template override is broken; using the built-in page", "file", p, "err", err)
			break
		}
		return out, nil
	}
	var buf bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&buf, builtinTemplate(name)+".html", data); err != nil {
		return "", fmt.Errorf("template %s.html: %w", name, err)
	}
	return buf.String(), nil
}

func renderHTMLFile(path, name string, data any) (string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	t, err := template.New(name).Funcs(htmlFuncs).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("execute: %w", err)
	}
	return buf.String(), nil
}

// WebArchiveURL is where a list's archive pages are reached
// (PUBLIC_URL/lists/NAME), or "" when they are not: no public URL is
// configured or the list keeps no archive. Mail links to posts
// (/m/SEQ) and their attachments (/m/SEQ/att/N) under it.
func (s *Service) WebArchiveURL(list string, archive store.ArchivePolicy) string {
	if s.o.PublicURL == "" || archive == store.ArchiveOff {
		return ""
	}
	return s.o.PublicURL + "/lists/" + list
}
