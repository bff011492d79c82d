package listserv

import (
	"fmt"
	"time"

	"minyan/listserv/i18n"
	"minyan/store"
)

// keepReason writes why into the held record: its English words (the
// log, the CLI, the API and any reader that predates the keys) and, when
// every argument is plain text or a number, its catalogue key and
// arguments, so the console's queue and the moderators' reminders say it
// in each reader's language long after the post arrived. A sentence
// whose arguments are themselves sentences or times keeps only its
// English: the record holds text, not the arguments' kinds.
func keepReason(h *store.Held, why Said) {
	h.Reason, h.ReasonKey, h.ReasonArgs = why.In(LangEnglish), "", nil
	if why.Key == "" {
		return
	}
	args := make([]string, len(why.Args))
	for i, a := range why.Args {
		switch a.(type) {
		case Said, time.Time:
			return
		}
		args[i] = fmt.Sprint(a)
	}
	h.ReasonKey, h.ReasonArgs = why.Key, args
}

// HeldReason is why h was held, as a sentence each reader renders in
// their language; a record written before the key was kept (or whose key
// the catalogue no longer has) says its English reason as it is.
func HeldReason(h store.Held) Said {
	if h.ReasonKey == "" || !i18n.Builtin().Has(LangEnglish, h.ReasonKey) {
		return verbatim(h.Reason)
	}
	args := make([]any, len(h.ReasonArgs))
	for i, a := range h.ReasonArgs {
		args[i] = a
	}
	return Said{Key: h.ReasonKey, Args: args}
}
