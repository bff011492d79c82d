package listserv

import (
	"errors"
	"fmt"
)

// Reject is an answer for the sending mail server: an SMTP code, an
// enhanced status code and a public text. The cause stays internal.
type Reject struct {
	Code     int
	Enhanced [3]int
	Message  string
	cause    error
}

func (r *Reject) Error() string {
	if r.cause != nil {
		return fmt.Sprintf("%d %d.%d.%d %s: %v", r.Code, r.Enhanced[0], r.Enhanced[1], r.Enhanced[2], r.Message, r.cause)
	}
	return fmt.Sprintf("%d %d.%d.%d %s", r.Code, r.Enhanced[0], r.Enhanced[1], r.Enhanced[2], r.Message)
}

// Unwrap exposes the internal cause to errors.Is/As.
func (r *Reject) Unwrap() error { return r.cause }

// Temporary tells whether the sender should try again later.
func (r *Reject) Temporary() bool { return r.Code/100 == 4 }

func reject(code int, enh [3]int, msg string, cause error) *Reject {
	return &Reject{Code: code, Enhanced: enh, Message: msg, cause: cause}
}

// Common answers.
var (
	ErrNoSuchAddress = &Reject{Code: 550, Enhanced: [3]int{5, 1, 1}, Message: "no such list address here"}
	ErrTooBig        = &Reject{Code: 552, Enhanced: [3]int{5, 3, 4}, Message: "message too large for this list"}
)

// tempFail wraps an internal failure (disk, store) as 451 so senders retry
// instead of bouncing the mail.
func tempFail(err error) *Reject {
	return reject(451, [3]int{4, 3, 0}, "temporary problem storing the message, please try again later", err)
}

// AsReject turns any error into the answer to give a sender.
func AsReject(err error) *Reject {
	var r *Reject
	if errors.As(err, &r) {
		return r
	}
	return tempFail(err)
}
