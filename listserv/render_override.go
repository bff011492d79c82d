package listserv

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// render renders a mail text for a list. An owner can replace any
// built-in template without rebuilding minyan by putting a file of the
// same name in DATA_DIR/templates/LIST/NAME.txt (that list only) or
// DATA_DIR/templates/NAME.txt (every list); see overrideFiles for the
// digest's names and the texts carrying a network-wide secret
// (siteOnlyTemplates), which take only the server-wide file. A broken override is logged
// and the built-in text is used, so a typo never stops mail.
func (s *Service) render(list, name string, data any) (subject, body string, err error) {
	for _, p := range s.overrideFiles(list, name, ".txt") {
		subject, body, err := renderFile(p, name, data)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			s.log.Error("template override is broken; using the built-in text", "file", p, "err", err)
			break
		}
		return subject, body, nil
	}
	return builtinText(builtinTemplate(name), data)
}

// builtinText renders the built-in text of a template. Only render calls
// it: every mail minyan writes goes through render, so an owner's
// replacement applies to every text.
func builtinText(name string, data any) (subject, body string, err error) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name+".txt", data); err != nil {
		return "", "", fmt.Errorf("template %s: %w", name, err)
	}
	return splitSubject(name, buf.String())
}

func renderFile(path, name string, data any) (subject, body string, err error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	// An override is an owner's (or operator's) text: it is checked
	// again here, since the file may predate the rules or have been put
	// there by hand, and filled in within the owners' limits.
	ot, err := parseOwnerText(name, string(src))
	if err != nil {
		return "", "", fmt.Errorf("parse: %w", err)
	}
	return executeOwnerText(ot, data)
}
