package listserv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	tparse "text/template/parse"

	"minyan/store"
)

// Mail texts an owner replaces for one list from the console. The
// replacement lives where the renderer looks first for that list,
// DATA_DIR/templates/LIST/NAME.txt, so it applies to every mail of that
// kind the list sends from the next one on.

// maxTemplateBytes bounds one replacement text.
const maxTemplateBytes = 32 << 10

// MailTemplate is one mail text of a list: the built-in source and the
// list's replacement, if any.
type MailTemplate struct {
	Name     string
	Builtin  string
	Override string
	// Overridden tells whether the list has its own text.
	Overridden bool
}

// MailTemplateNames returns the names of every built-in mail text
// (without ".txt"), sorted.
func MailTemplateNames() []string {
	var out []string
	entries, _ := fs.ReadDir(templateFS, "templates")
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".txt"); ok {
			out = append(out, overrideNames(n)...)
		}
	}
	sort.Strings(out)
	return out
}

// siteOnlyTemplates are the mail texts that carry a network-wide secret:
// the archive (IMAP) password, valid on every list, and the sign-in link
// to the whole site. A list's owner rewording them could send members a
// convincing request for that secret, so only the operator's server-wide
// replacement (DATA_DIR/templates/NAME.txt) applies; a list never gets its
// own. Confirmation mails carry a token for one list only and stay the
// owners' to reword.
var siteOnlyTemplates = map[string]bool{"password": true, "web-login": true, "postmaster-forward": true}

// listOverridable tells whether a list may have its own text of name.
func listOverridable(name string) bool { return knownTemplate(name) && !siteOnlyTemplates[name] }

func knownTemplate(name string) bool {
	for _, n := range MailTemplateNames() {
		if n == name {
			return true
		}
	}
	return false
}

func (s *Service) overridePath(list, name string) (string, error) {
	if s.o.TemplateDir == "" {
		return "", errors.New("this server has no data directory for mail texts")
	}
	return filepath.Join(s.o.TemplateDir, list, name+".txt"), nil
}

// MailTemplates returns every mail text of a list, with the list's
// replacements. It needs PermSettings.
func (s *Service) MailTemplates(ctx context.Context, a Actor, list string) ([]MailTemplate, error) {
	if err := s.st.View(func(tx *store.Tx) error { _, err := s.authorize(tx, a, list, PermSettings); return err }); err != nil {
		return nil, err
	}
	var out []MailTemplate
	for _, n := range MailTemplateNames() {
		if !listOverridable(n) {
			continue
		}
		t, err := s.readTemplate(list, n)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// GetMailTemplate returns one mail text of a list. It needs PermSettings.
func (s *Service) GetMailTemplate(ctx context.Context, a Actor, list, name string) (MailTemplate, error) {
	if err := s.st.View(func(tx *store.Tx) error { _, err := s.authorize(tx, a, list, PermSettings); return err }); err != nil {
		return MailTemplate{}, err
	}
	if !listOverridable(name) {
		return MailTemplate{}, errNoSuchTemplate
	}
	return s.readTemplate(list, name)
}

func (s *Service) readTemplate(list, name string) (MailTemplate, error) {
	b, err := templateFS.ReadFile("templates/" + builtinTemplate(name) + ".txt")
	if err != nil {
		return MailTemplate{}, errNoSuchTemplate
	}
	t := MailTemplate{Name: name, Builtin: string(b)}
	if p, err := s.overridePath(list, name); err == nil {
		o, err := os.ReadFile(p)
		switch {
		case err == nil:
			t.Override, t.Overridden = string(o), true
		case !errors.Is(err, fs.ErrNotExist):
			return t, fmt.Errorf("read the list's text %s: %w", name, err)
		}
	}
	return t, nil
}

// TemplateError is a replacement text that does not parse, with the
// parser's reason.
type TemplateError struct{ Reason string }

func (e *TemplateError) Error() string { return "the text does not parse: " + e.Reason }

// CheckTemplate parses a mail text as the renderer will: its first line
// must be the Subject, and it must keep the owners' rules
// (parseOwnerText), so filling it in cannot keep the daemon busy.
func CheckTemplate(name, src string) error {
	if len(src) > maxTemplateBytes {
		return &TemplateError{Reason: fmt.Sprintf("it is longer than %d bytes", maxTemplateBytes)}
	}
	if !strings.HasPrefix(src, "Subject:") {
		return &TemplateError{Reason: `the first line must be the subject, starting with "Subject:"`}
	}
	_, err := parseOwnerText(name, src, LangEnglish)
	return err
}

// SetMailTemplate stores a list's replacement of a mail text after
// checking that it parses. It needs PermSettings; the change is recorded
// in the audit log, and the file is written inside the same transaction
// (a failed write records nothing).
func (s *Service) SetMailTemplate(ctx context.Context, a Actor, list, name, src string) error {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	return s.st.Update(func(tx *store.Tx) error {
		if _, err := s.authorize(tx, a, list, PermSettings); err != nil {
			return err
		}
		if siteOnlyTemplates[name] {
			return fmt.Errorf("the %s text carries a secret valid on every list, so a list cannot have its own; the operator may replace it for the whole server in DATA_DIR/templates/%s.txt", name, name)
		}
		if !listOverridable(name) {
			return errNoSuchTemplate
		}
		if err := CheckTemplate(name, src); err != nil {
			return err
		}
		// A text that cannot be filled in within the limits even with
		// the sample values is refused now, not at its first mail.
		if _, _, err := previewOwnerText(name, src); errors.Is(err, errOwnerTextTooLong) || errors.Is(err, errOwnerTextTooSlow) {
			return &TemplateError{Reason: err.Error()}
		}
		p, err := s.overridePath(list, name)
		if err != nil {
			return err
		}
		if err := s.AuditChange(tx, a, list, "replaced the mail text "+name); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			return fmt.Errorf("save the text: %w", err)
		}
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, []byte(src), 0o640); err != nil {
			return fmt.Errorf("save the text: %w", err)
		}
		if err := os.Rename(tmp, p); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("save the text: %w", err)
		}
		return nil
	})
}

// ResetMailTemplate removes a list's replacement, so the built-in text
// (or the server-wide replacement) applies again. It needs PermSettings
// and is recorded in the audit log.
func (s *Service) ResetMailTemplate(ctx context.Context, a Actor, list, name string) error {
	return s.st.Update(func(tx *store.Tx) error {
		if _, err := s.authorize(tx, a, list, PermSettings); err != nil {
			return err
		}
		if !listOverridable(name) {
			return errNoSuchTemplate
		}
		p, err := s.overridePath(list, name)
		if err != nil {
			return err
		}
		if err := s.AuditChange(tx, a, list, "reset the mail text "+name+" to the built-in one"); err != nil {
			return err
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the text: %w", err)
		}
		return nil
	})
}

// PreviewMailTemplate renders src (or, when src is "", the text the list
// uses now) with sample values for every field it names, so an owner
// sees the shape of the mail before saving. It needs PermSettings.
func (s *Service) PreviewMailTemplate(ctx context.Context, a Actor, list, name, src string) (subject, body string, err error) {
	t, err := s.GetMailTemplate(ctx, a, list, name)
	if err != nil {
		return "", "", err
	}
	if src == "" {
		src = t.Builtin
		if t.Overridden {
			src = t.Override
		}
	}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	if err := CheckTemplate(name, src); err != nil {
		return "", "", err
	}
	return previewOwnerText(name, src)
}

// previewOwnerText fills in src with sample values, within the owners'
// limits.
func previewOwnerText(name, src string) (subject, body string, err error) {
	ot, err := parseOwnerText(name, src, LangEnglish)
	if err != nil {
		return "", "", err
	}
	subject, body, err = executeOwnerText(ot, SampleData(ot.t))
	if err != nil {
		return "", "", fmt.Errorf("the preview could not fill in sample values (the text itself parses): %w", err)
	}
	return subject, body, nil
}

// SampleData builds values for every field a template names: text such
// as "«Title»" for plain fields, numbers for fields compared with
// numbers, and one-element lists for fields ranged over.
func SampleData(t *template.Template) map[string]any {
	root := map[string]any{}
	if t.Tree != nil {
		sampleList(t.Tree.Root, root, root)
	}
	return root
}

func sampleList(l *tparse.ListNode, dot, root map[string]any) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		sampleNode(n, dot, root)
	}
}

func sampleNode(n tparse.Node, dot, root map[string]any) {
	switch n := n.(type) {
	case *tparse.ActionNode:
		samplePipe(n.Pipe, dot, root, "")
	case *tparse.IfNode:
		samplePipe(n.Pipe, dot, root, "")
		sampleList(n.List, dot, root)
		sampleList(n.ElseList, dot, root)
	case *tparse.RangeNode:
		// Ranging with variables ({{range $i, $n := .Names}}) prints the
		// elements: make them text. Otherwise the body reads fields of
		// each element: make it a map and fill it from the body.
		kind := "range"
		if len(n.Pipe.Decl) > 0 {
			kind = "strings"
		}
		samplePipe(n.Pipe, dot, root, kind)
		elem := map[string]any{}
		if len(n.Pipe.Cmds) == 1 && len(n.Pipe.Cmds[0].Args) == 1 {
			if f, ok := n.Pipe.Cmds[0].Args[0].(*tparse.FieldNode); ok {
				if s, ok := lookup(dot, f.Ident).([]any); ok && len(s) == 1 {
					if m, ok := s[0].(map[string]any); ok {
						elem = m
					}
				}
			}
		}
		sampleList(n.List, elem, root)
		sampleList(n.ElseList, dot, root)
	case *tparse.WithNode:
		samplePipe(n.Pipe, dot, root, "")
		sampleList(n.List, dot, root)
		sampleList(n.ElseList, dot, root)
	}
}

func lookup(m map[string]any, path []string) any {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func samplePipe(p *tparse.PipeNode, dot, root map[string]any, how string) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		if len(c.Args) == 0 {
			continue
		}
		kind := how
		if id, ok := c.Args[0].(*tparse.IdentifierNode); ok {
			switch id.Ident {
			case "gt", "lt", "ge", "le", "eq", "ne":
				for _, a := range c.Args[1:] {
					if _, ok := a.(*tparse.NumberNode); ok {
						kind = "number"
					}
				}
			case "len":
				kind = "range"
			}
		}
		for _, a := range c.Args {
			switch a := a.(type) {
			case *tparse.FieldNode:
				sampleField(dot, a.Ident, kind)
			case *tparse.VariableNode:
				if len(a.Ident) > 1 && a.Ident[0] == "$" {
					sampleField(root, a.Ident[1:], kind)
				}
			case *tparse.PipeNode:
				samplePipe(a, dot, root, "")
			}
		}
	}
}

func sampleField(m map[string]any, path []string, kind string) {
	for i, k := range path {
		if i < len(path)-1 {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
			continue
		}
		cur, exists := m[k]
		switch kind {
		case "number":
			if _, ok := cur.([]any); !ok {
				m[k] = 2
			}
		case "range":
			if _, ok := cur.([]any); !ok {
				m[k] = []any{map[string]any{}}
			}
		case "strings":
			if _, ok := cur.([]any); !ok {
				m[k] = []any{"«" + k + "»"}
			}
		default:
			if !exists {
				m[k] = "«" + k + "»"
			}
		}
	}
}
