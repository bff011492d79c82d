package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressReporter shows how far a long command (a CSV import) has got.
// Commands call Start once, Set as work completes and Finish at the end,
// whether or not anyone is watching.
type progressReporter interface {
	// Start announces total units of work, described by label.
	Start(label string, total int64)
	// Set reports that done units are finished.
	Set(done int64)
	// Finish removes the display so later output starts on a clean line.
	Finish()
}

// noProgress is the reporter for tests and for output nobody watches.
type noProgress struct{}

// Start does nothing.
func (noProgress) Start(string, int64) {}

// Set does nothing.
func (noProgress) Set(int64) {}

// Finish does nothing.
func (noProgress) Finish() {}

// barProgress draws a progress bar on a terminal. It draws nothing when w
// is not a terminal: redrawn "\r" lines would only clutter logs and pipes.
type barProgress struct {
	w       io.Writer
	visible bool
	bar     *progressbar.ProgressBar
}

// newBarProgress draws on w when visible (see isTerminal).
func newBarProgress(w io.Writer, visible bool) *barProgress {
	return &barProgress{w: w, visible: visible}
}

// Start begins a new bar (finishing a previous one).
func (p *barProgress) Start(label string, total int64) {
	p.Finish()
	if !p.visible {
		return
	}
	p.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// Set moves the bar.
func (p *barProgress) Set(done int64) {
	if p.bar != nil {
		p.bar.Set64(done)
	}
}

// Finish clears the bar from the terminal.
func (p *barProgress) Finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// isTerminal tells whether f is an interactive terminal, the only place a
// progress bar belongs.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
