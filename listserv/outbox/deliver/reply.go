package deliver

import (
	"strconv"
	"strings"
)

// reply is one SMTP reply (RFC 5321 §4.2). Text holds the lines of a
// multi-line reply separated by "\n", without the codes.
type reply struct {
	Code int
	Text string
}

// String is the reply as recorded in the queue and the failure log:
// the code and the text on one line.
func (r reply) String() string {
	return strconv.Itoa(r.Code) + " " + strings.ReplaceAll(r.Text, "\n", " / ")
}

// replyError is an unexpected reply to a command outside a mail
// transaction (greeting, EHLO, STARTTLS, AUTH).
type replyError struct {
	cmd   string
	reply reply
}

func (e *replyError) Error() string { return e.cmd + ": " + e.reply.String() }
