package deliver

import (
	"fmt"
	"strconv"

	"minyan/store"
)

// envelope is one mail transaction's input.
type envelope struct {
	from  string
	rcpts []string
	// header is the per-recipient header block and body the shared body
	// in pieces (with the recipient's fill between them, see filled),
	// both already in DATA form (see dotStuff).
	header []byte
	body   [][]byte
	// size is the message size announced with SIZE.
	size     int64
	eightBit bool
	utf8     bool
}

// send runs one mail transaction (RFC 5321 §3.3) and returns a result per
// recipient, in envelope order. With PIPELINING (RFC 2920) MAIL, every
// RCPT and DATA go out in one write and their replies are read after;
// then the data and "." follow, so a transaction costs two round trips
// however many recipients it has.
//
// err is set when the connection is no longer usable; every recipient
// without an answer then gets a deferred result. stale says the relay
// answered nothing at all in this transaction (or only 421), so a reused
// connection had quietly died and the same transaction may be tried once
// on a new one.
func (c *client) send(e *envelope) (res []result, stale bool, err error) {
	res = make([]result, len(e.rcpts))
	defer func() {
		if err != nil {
			for i := range res {
				if res[i].status == unresolved {
					res[i] = result{deferred, "connection to relay: " + err.Error(), store.StageConnect}
				}
			}
		}
	}()

	mail := "MAIL FROM:<" + e.from + ">"
	if c.maxSize > 0 {
		mail += " SIZE=" + strconv.FormatInt(e.size, 10)
	}
	if e.eightBit && c.eightBit {
		mail += " BODY=8BITMIME"
	}
	if e.utf8 && c.smtputf8 {
		mail += " SMTPUTF8"
	}

	var first reply
	replied := false
	// next reads the reply to the command at hand; without pipelining it
	// first sends that command. Each reply gets the full command timeout,
	// as a relay may take its time over each RCPT.
	next := func(line string) (reply, error) {
		c.deadline(commandTimeout)
		if !c.pipelining {
			c.bw.WriteString(line)
			if err := c.bw.Flush(); err != nil {
				return reply{}, err
			}
		}
		rep, err := c.read()
		if err != nil {
			return rep, err
		}
		if !replied {
			replied, first = true, rep
		}
		if rep.Code == 421 {
			// The relay is closing the connection (RFC 5321 §3.8).
			return rep, &replyError{verb(line), rep}
		}
		return rep, nil
	}
	lines := make([]string, 0, len(e.rcpts)+2)
	lines = append(lines, mail+"\r\n")
	for _, r := range e.rcpts {
		lines = append(lines, "RCPT TO:<"+r+">\r\n")
	}
	lines = append(lines, "DATA\r\n")
	if c.pipelining {
		c.deadline(commandTimeout)
		for _, l := range lines {
			c.bw.WriteString(l)
		}
		if err := c.bw.Flush(); err != nil {
			return res, true, fmt.Errorf("sending the envelope: %w", err)
		}
	}
	// A reused connection the relay had closed meanwhile fails before
	// any reply, or answers only 421 (timeout).
	isStale := func() bool { return !replied || first.Code == 421 }

	mailRep, err := next(lines[0])
	if err != nil {
		return res, isStale(), fmt.Errorf("MAIL FROM: %w", err)
	}
	mailOK := mailRep.Code/100 == 2
	if !mailOK {
		for i := range res {
			res[i] = failureOf(mailRep, store.StageMail)
		}
		if !c.pipelining {
			return res, false, c.reset()
		}
	}
	accepted := 0
	for i := range e.rcpts {
		if !mailOK && !c.pipelining {
			break
		}
		rep, err := next(lines[1+i])
		if err != nil {
			return res, isStale(), fmt.Errorf("RCPT TO: %w", err)
		}
		switch {
		case !mailOK:
		case rep.Code/100 == 2:
			accepted++
		default:
			res[i] = failureOf(rep, store.StageRcpt)
		}
	}
	if accepted == 0 && !c.pipelining {
		return res, false, c.reset()
	}
	dataRep, err := next(lines[len(lines)-1])
	if err != nil {
		return res, isStale(), fmt.Errorf("DATA: %w", err)
	}
	if dataRep.Code != 354 {
		for i := range res {
			if res[i].status == unresolved {
				res[i] = failureOf(dataRep, store.StageMail)
			}
		}
		return res, false, c.reset()
	}

	// The relay wants the data. If it accepted DATA though no recipient
	// was accepted (RFC 2920 §3.1 says it must not), send an empty message
	// and ignore the result.
	c.deadline(dataTimeout)
	if accepted > 0 {
		c.bw.Write(e.header)
		for _, b := range e.body {
			c.bw.Write(b)
		}
	}
	c.bw.WriteString(".\r\n")
	if err := c.bw.Flush(); err != nil {
		return res, false, fmt.Errorf("sending the message: %w", err)
	}
	end, err := c.read()
	if err != nil {
		return res, false, fmt.Errorf("end of data: %w", err)
	}
	if end.Code == 421 {
		return res, false, &replyError{"end of data", end}
	}
	for i := range res {
		if res[i].status == unresolved {
			res[i] = resultOf(end, store.StageData)
		}
	}
	return res, false, nil
}

// reset abandons a transaction that ended before its data (RSET), so the
// connection is ready for the next one. An error means the connection is
// not usable any more.
func (c *client) reset() error {
	if _, err := c.cmd(250, "RSET"); err != nil {
		return err
	}
	return nil
}
