package listserv

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"minyan/store"
)

// render renders a mail text for a list in English. It opens no
// transaction, so it is safe inside one; the texts converted to the
// catalogues are rendered with renderTx (inside a transaction) or
// renderTo (outside one), in their reader's language.
func (s *Service) render(list, name string, data any) (subject, body string, err error) {
	return s.renderIn(LangEnglish, list, name, data)
}

// renderTo renders a mail text for the person at addr, in their
// language (LanguageFor). It reads the store, so it must not be called
// inside a transaction: use renderTx there.
func (s *Service) renderTo(addr, list, name string, data any) (subject, body string, err error) {
	return s.renderIn(s.LanguageFor(addr, list), list, name, data)
}

// renderTx is renderTo inside transaction tx.
func (s *Service) renderTx(tx *store.Tx, addr, list, name string, data any) (subject, body string, err error) {
	return s.renderIn(languageFor(tx, NormalizeAddress(addr), list), list, name, data)
}

// renderIn renders a mail text in language l. An owner can replace any
// built-in template without rebuilding minyan by putting a file of the
// same name in DATA_DIR/templates; the most particular file wins:
//
//	LIST/LANG/NAME.txt   that list, that language
//	LANG/NAME.txt        every list, that language
//	LIST/NAME.txt        that list, every language
//	NAME.txt             every list, every language
//
// A broken override is logged and the built-in text is used, so a typo
// never stops mail. The built-in text is the one of language l (its
// {{t}} texts from l's catalogue, English where l lacks one).
func (s *Service) renderIn(l Lang, list, name string, data any) (subject, body string, err error) {
	l = l.Or(LangEnglish)
	for _, p := range s.overrideFiles(l, list, name, ".txt") {
		subject, body, err := renderFile(p, name, l, data)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			s.log.Error("template override is broken; using the built-in text", "file", p, "err", err)
			break
		}
		return subject, body, nil
	}
	return builtinText(l, builtinTemplate(name), data)
}

// builtinText renders the built-in text of a template. Only render calls
// it: every mail minyan writes goes through render, so an owner's
// replacement applies to every text.
func builtinText(l Lang, name string, data any) (subject, body string, err error) {
	var buf bytes.Buffer
	if err := templates(l).ExecuteTemplate(&buf, name+".txt", data); err != nil {
		return "", "", fmt.Errorf("template %s: %w", name, err)
	}
	return splitSubject(name, buf.String())
}

func renderFile(path, name string, l Lang, data any) (subject, body string, err error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	// An override is an owner's (or operator's) text: it is checked
	// again here, since the file may predate the rules or have been put
	// there by hand, and filled in within the owners' limits.
	ot, err := parseOwnerText(name, string(src), l)
	if err != nil {
		return "", "", fmt.Errorf("parse: %w", err)
	}
	return executeOwnerText(ot, data)
}
