package listserv

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"text/template"
	tparse "text/template/parse"
	"time"
)

// Bounds on a mail text an owner wrote. The built-in texts are ours; an
// owner's replacement is input, and text/template will run any loop it
// is given. Two layers keep it in bounds: CheckTemplate refuses every
// construct that can spin without writing (a range over anything but
// the mail's own values, a nested range over anything but the
// element's own fields, ranges more than three deep, sub-templates,
// printf widths), so the work is bounded by the mail's values times the
// text's length; and executeOwnerText stops a run that writes more than
// maxOwnerTextOutput or runs past maxOwnerTextTime.
const (
	// maxOwnerTextOutput is the most one rendered mail text may be; the
	// largest built-in text (a weekly digest of a busy list) is well
	// under it.
	maxOwnerTextOutput = 2 << 20
	// maxOwnerTextTime is the most one rendering may take.
	maxOwnerTextTime = 2 * time.Second
	// maxRangeDepth is how deep ranges may nest (threads, their posts,
	// the posts' attachments).
	maxRangeDepth = 3
)

var (
	errOwnerTextTooLong = fmt.Errorf("the text came out longer than %d bytes", maxOwnerTextOutput)
	errOwnerTextTooSlow = fmt.Errorf("the text took longer than %v to fill in", maxOwnerTextTime)
)

// ownerText is an owner's replacement text, parsed and checked.
type ownerText struct{ t *template.Template }

// parseOwnerText parses src as the renderer will and applies the
// owners' rules (checkOwnerTree).
func parseOwnerText(name, src string, l Lang) (*ownerText, error) {
	t, err := template.New(name).Funcs(mailFuncs(l)).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, &TemplateError{Reason: err.Error()}
	}
	if len(t.Templates()) > 1 {
		return nil, &TemplateError{Reason: "define and block are not available in mail texts"}
	}
	if t.Tree != nil {
		if reason := checkOwnerNode(t.Tree.Root, 0); reason != "" {
			return nil, &TemplateError{Reason: reason}
		}
	}
	return &ownerText{t: t}, nil
}

// checkOwnerNode returns why n breaks the owners' rules, or "".
func checkOwnerNode(n tparse.Node, depth int) string {
	switch n := n.(type) {
	case *tparse.ListNode:
		if n == nil {
			return ""
		}
		for _, c := range n.Nodes {
			if r := checkOwnerNode(c, depth); r != "" {
				return r
			}
		}
	case *tparse.ActionNode:
		return checkOwnerPipe(n.Pipe)
	case *tparse.TemplateNode:
		return "template is not available in mail texts"
	case *tparse.RangeNode:
		if depth+1 > maxRangeDepth {
			return fmt.Sprintf("ranges may nest at most %d deep", maxRangeDepth)
		}
		if !rangesOverValue(n.Pipe, depth) {
			if depth > 0 {
				return "a range inside a range may only go over a field of the element (such as .Posts of each thread)"
			}
			return "range may only go over a list of the mail's values (such as .Posts or $.Threads), not over a number or a variable"
		}
		return firstReason(checkOwnerPipe(n.Pipe), checkOwnerNode(n.List, depth+1), checkOwnerNode(n.ElseList, depth))
	case *tparse.IfNode:
		return firstReason(checkOwnerPipe(n.Pipe), checkOwnerNode(n.List, depth), checkOwnerNode(n.ElseList, depth))
	case *tparse.WithNode:
		if depth > 0 && !onlyFields(n.Pipe) {
			return "a with inside a range may only use fields of the element"
		}
		return firstReason(checkOwnerPipe(n.Pipe), checkOwnerNode(n.List, depth), checkOwnerNode(n.ElseList, depth))
	}
	return ""
}

// onlyFields tells whether a pipeline reads only fields of dot (no
// variable, no bare dot): inside a range it then stays within the
// element, so nesting walks the mail's values once instead of
// multiplying them.
func onlyFields(p *tparse.PipeNode) bool {
	if p == nil {
		return true
	}
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			switch a := a.(type) {
			case *tparse.VariableNode, *tparse.DotNode:
				return false
			case *tparse.PipeNode:
				if !onlyFields(a) {
					return false
				}
			}
		}
	}
	return true
}

func firstReason(rs ...string) string {
	for _, r := range rs {
		if r != "" {
			return r
		}
	}
	return ""
}

// rangesOverValue tells whether a range's pipeline is one field of the
// mail's values: .Posts, .RSVP.YesNames or $.Threads at the top; inside
// another range (depth > 0) only a field of the element (.Posts of each
// thread, never $.Posts again), so nested ranges walk the values once.
func rangesOverValue(p *tparse.PipeNode, depth int) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	switch a := p.Cmds[0].Args[0].(type) {
	case *tparse.FieldNode:
		return true
	case *tparse.VariableNode:
		return depth == 0 && len(a.Ident) > 1 && a.Ident[0] == "$"
	}
	return false
}

// printfWidth finds a width or precision of four digits or more, or one
// taken from the arguments (*).
var printfWidth = regexp.MustCompile(`%[-+# 0]*(\*|[0-9]{4,}|[0-9]*\.(\*|[0-9]{4,}))`)

// checkOwnerPipe refuses printf calls whose format is not written in the
// text or asks for a huge width: "%0999999999d" builds a gigabyte before
// the first byte is written.
func checkOwnerPipe(p *tparse.PipeNode) string {
	if p == nil {
		return ""
	}
	for _, c := range p.Cmds {
		for i, a := range c.Args {
			switch a := a.(type) {
			case *tparse.IdentifierNode:
				if a.Ident != "printf" || i != 0 {
					continue
				}
				if len(c.Args) < 2 {
					return "printf needs a format"
				}
				f, ok := c.Args[1].(*tparse.StringNode)
				if !ok {
					return "printf's format must be written in the text"
				}
				if printfWidth.MatchString(f.Text) {
					return "printf widths may have at most three digits"
				}
			case *tparse.PipeNode:
				if r := checkOwnerPipe(a); r != "" {
					return r
				}
			}
		}
	}
	return ""
}

// cappedWriter collects a rendering and fails the first write past max
// or after stop is set (the time ran out), which makes text/template
// abandon the run at once.
type cappedWriter struct {
	buf  bytes.Buffer
	max  int
	stop *atomic.Bool
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.stop.Load() {
		return 0, errOwnerTextTooSlow
	}
	if w.buf.Len()+len(p) > w.max {
		return 0, errOwnerTextTooLong
	}
	return w.buf.Write(p)
}

// executeOwnerText fills in an owner's text within maxOwnerTextOutput
// and maxOwnerTextTime, and splits off its subject.
func executeOwnerText(ot *ownerText, data any) (subject, body string, err error) {
	var stop atomic.Bool
	w := &cappedWriter{max: maxOwnerTextOutput, stop: &stop}
	done := make(chan error, 1)
	go func() { done <- ot.t.Execute(w, data) }()
	timer := time.NewTimer(maxOwnerTextTime)
	defer timer.Stop()
	select {
	case err = <-done:
	case <-timer.C:
		// The run stops at its next write; the rules of checkOwnerNode
		// bound what it can do before that.
		stop.Store(true)
		return "", "", errOwnerTextTooSlow
	}
	if err != nil {
		if errors.Is(err, errOwnerTextTooLong) {
			return "", "", errOwnerTextTooLong
		}
		return "", "", fmt.Errorf("execute: %w", err)
	}
	return splitSubject(ot.t.Name(), w.buf.String())
}
