package listserv

import (
	"context"
	"fmt"
	"strings"

	"minyan/store"
)

// maxCommandLines bounds how many lines of a command email are read.
const maxCommandLines = 20

// commandResult is one command and what minyan did about it.
type commandResult struct {
	Line   string
	Answer string
}

// receiveCommand handles mail to NAME-request@ (commands, one per line,
// in the Subject or body), NAME-join@ and NAME-leave@ (shortcuts), and
// NAME-confirm+TOKEN (replies). Every command is answered in one reply;
// unknown lines are reported, quoted text below a reply is ignored.
func (s *Service) receiveCommand(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	if la.Role == RoleConfirm {
		return s.receiveConfirm(ctx, env, la, raw)
	}
	m, err := parse(raw)
	if err != nil {
		return err
	}
	if looksAutomatic(m, env.From) {
		s.log.Info("automatic message to a command address ignored", "list", la.List, "role", la.Role, "from", m.From.Address)
		return nil
	}
	from := NormalizeAddress(m.From.Address)
	var sender SenderVerdict // the zero verdict vouches for nothing
	if la.Role != RoleJoin && la.Role != RoleLeave {
		sender = s.checkSender(ctx, env, m) // joins and leaves always confirm by mail
	}
	// The lines in the order the person wrote them: a command, or a
	// line that is not one (reported, not fatal).
	type item struct {
		cmd  *Command
		line string
	}
	var items []item
	ignored := ""
	switch la.Role {
	case RoleJoin:
		items = []item{{cmd: &Command{Name: cmdSubscribe, Line: "(email to " + s.addr(la.List, RoleJoin, "") + ")"}}}
	case RoleLeave:
		items = []item{{cmd: &Command{Name: cmdUnsubscribe, Line: "(email to " + s.addr(la.List, RoleLeave, "") + ")"}}}
	default:
		if c, ok := ParseCommand(stripReplyPrefixes(m.Subject)); ok {
			items = append(items, item{cmd: &c})
		}
		for i, l := range AnswerLines(ReplyText(raw)) {
			if i >= maxCommandLines {
				ignored = fmt.Sprintf("%d lines", maxCommandLines)
				break
			}
			c, ok := ParseCommand(l)
			if !ok {
				items = append(items, item{line: l})
				continue
			}
			if c.Name == cmdEnd {
				break
			}
			items = append(items, item{cmd: &c})
		}
		if len(items) == 0 {
			items = []item{{cmd: &Command{Name: cmdHelp, Line: "(empty message)"}}}
		}
	}
	for _, it := range items {
		if it.cmd != nil {
			s.resolveMuteThread(la.List, m, it.cmd) // "mute" names the thread this mail answers
		}
	}
	var results []commandResult
	mailedAny := false
	done := map[string]bool{}
	ncmds := 0
	lang := s.LanguageFor(from, la.List)
	for _, it := range items {
		if it.cmd == nil {
			answer := say("command_go.unknown").In(lang)
			if hint := suggestCommand(it.line); !hint.IsZero() {
				answer += " " + hint.In(lang)
			}
			results = append(results, commandResult{Line: it.line, Answer: answer})
			continue
		}
		key := it.cmd.text()
		if done[key] {
			continue // "help" in the Subject and again in the body: one answer
		}
		done[key] = true
		ncmds++
		ans, mailed, err := s.runCommand(ctx, la.List, from, sender, *it.cmd)
		if err != nil {
			return tempFail(err)
		}
		mailedAny = mailedAny || mailed
		results = append(results, commandResult{Line: it.cmd.Line, Answer: strings.TrimSpace(ans)})
	}
	if (la.Role == RoleJoin || la.Role == RoleLeave) && (mailedAny || !s.firstAnswerToday(la, from)) {
		// The confirmation (or welcome) is the answer, and other answers
		// go out once a day: a stream of forged requests must not become
		// a stream of mail to the address.
		s.log.Info("email join/leave request handled without a separate answer", "list", la.List, "role", la.Role)
		return nil
	}
	list, err := s.loadList(la.List)
	if err != nil {
		return err
	}
	subj, body, err := s.renderTo(from, la.List, "command-results", map[string]any{
		"Subject": or(m.Subject, "your commands"), "RequestAddress": s.addr(la.List, RoleRequest, ""),
		"Results": results, "Ignored": ignored, "Title": list.Settings.Title,
	})
	if err != nil {
		return tempFail(err)
	}
	err = s.st.Update(func(tx *store.Tx) error {
		return s.queueNotice(tx, notice{List: la.List, To: []string{from}, From: s.addr(la.List, RoleRequest, ""),
			Subject: subj, Body: body, InReplyTo: m.MessageID})
	})
	if err != nil {
		return tempFail(err)
	}
	s.log.Info("email commands answered", "list", la.List, "from", from, "commands", ncmds)
	return nil
}

// TokenConfirmCommand is the kind of a confirmation for an email command
// that changes something (digest, nomail, password) whose sender the
// sender check could not vouch for; Token.Data holds the command line.
const TokenConfirmCommand = "confirm-cmd"

// changesState tells the commands that change a member's state: they act
// at once only when the sender check vouches for the From address, and
// otherwise only after a confirmation round trip to that address.
func changesState(c Command) bool {
	return c.Name == cmdDigest || c.Name == cmdNomail || c.Name == cmdPassword || volumeChangesState(c) || orgCommand(c)
}

// runCommand carries out one email command for the sender and says what
// happened.
func (s *Service) runCommand(ctx context.Context, listName, from string, sender SenderVerdict, c Command) (answer string, mailed bool, err error) {
	var wantPassword bool
	a := Person(from, DoorMail)
	err = s.st.Update(func(tx *store.Tx) error {
		list, err := tx.List(listName)
		if err != nil {
			return err
		}
		title := list.Settings.Title
		lang := languageFor(tx, from, listName) // the answers are written in the sender's language
		mb, merr := tx.Membership(listName, from)
		member := merr == nil && holdsRole(mb)
		if list.Kind == KindCaucus && !member && (c.Name == cmdInfo || c.Name == cmdWho) {
			// A caucus's outsiders learn nothing, as for a list that
			// does not exist.
			answer = say("command_go.no_list", s.addr(listName, RolePost, "")).In(lang)
			return nil
		}
		if list.Kind == KindCaucus && !member {
			// Every other answer (and any mail it sends) names a
			// caucus to its outsiders by its address only: never its
			// title or description.
			list.Settings.Title = s.addr(listName, RolePost, "")
			list.Settings.Description = ""
			title = list.Settings.Title
		}
		if orgCommand(c) {
			if !sender.Vouched() {
				answer, err = s.askToConfirmOrgCommand(tx, list, from, c)
				return err
			}
			answer, err = s.runOrgCommand(tx, a, list, c)
			return err
		}
		if changesState(c) && member && !sender.Vouched() {
			// A confirmation carries the command it confirms. The same
			// command again is pointed at the pending one; another
			// command (the member's own, after a forged one) gets its own
			// confirmation, which replaces the pending one and ends its
			// link, so confirming never applies a command the member did
			// not send. A few confirmations a day at most, so forged
			// commands cannot flood the member's mailbox.
			if s.confirmOutstanding(tx, mb) && s.pendingCommand(tx, mb) == c.text() {
				answer = say("command_go.already_sent", c.text(), from).In(lang)
				return nil
			}
			if !s.mayAskToConfirm(tx, mb) {
				answer = say("command_go.too_many", from).In(lang)
				return nil
			}
			answer, err = s.askToConfirmCommand(tx, list, mb, c)
			return err
		}
		switch c.Name {
		case cmdSubscribe:
			var said Said
			said, mailed, err = s.requestJoin(tx, a, list, from)
			answer = said.In(lang)
		case cmdUnsubscribe:
			var said Said
			said, mailed, err = s.requestLeave(tx, list, from)
			answer = said.In(lang)
		case cmdDigest, cmdNomail, cmdMute, cmdUnmute, cmdTopics:
			if !member {
				answer = say("command_go.not_member", from, title).In(lang)
				return nil
			}
			answer, err = s.runConfirmedCommand(tx, a, list, c)
		case cmdPassword:
			if !member {
				answer = say("command_go.password_members").In(lang)
				return nil
			}
			wantPassword = true
		case cmdHelp:
			_, answer, err = s.renderTx(tx, from, listName, "help", s.helpData(list))
		case "info":
			answer, err = s.info(tx, list, lang)
		case "who":
			if list.Kind == KindCoalition && (member || isContact(tx, listName, from)) {
				answer, err = s.whoCoalition(tx, list, from)
				return err
			}
			if !member && !s.isModeratorTx(tx, listName, from) {
				answer = say("command_go.who_members", title).In(lang)
				return nil
			}
			answer, err = s.who(tx, list, lang)
		}
		return err
	})
	if err == nil && wantPassword {
		answer, err = s.mailPassword(listName, from)
	}
	return answer, mailed, err
}

// runConfirmedCommand changes a member's delivery mode for "digest on|off"
// or "nomail on|off" once the sender is known to be the member.
func (s *Service) runConfirmedCommand(tx *store.Tx, a Actor, list store.List, c Command) (string, error) {
	mb, err := tx.Membership(list.Name, a.Address)
	lang := languageFor(tx, a.Address, list.Name)
	if err != nil || !holdsRole(mb) {
		return say("command_go.not_member", a.Address, list.Settings.Title).In(lang), nil
	}
	if volumeCommand(c) {
		return s.runVolumeCommand(tx, a, list, mb, c)
	}
	if f, ok := store.ParseDigestFormat(c.Arg); ok && c.Name == cmdDigest {
		answer, err := s.setDigestFormat(tx, mb, f)
		if err != nil {
			return "", err
		}
		return answer, s.AuditChange(tx, a, list.Name, "digest format of "+mb.Address+" set to "+string(f))
	}
	mode := mb.Mode
	chosen := commandMode[c.Name]
	switch on, _ := switchArg(c.Arg); {
	case on:
		mode = chosen
	case mb.Mode == chosen:
		mode = ModeEach
	}
	digest := say("command_go.digest_weekly")
	if mb.DigestFrequency == store.DigestDaily {
		digest = say("command_go.digest_daily")
	}
	answer := map[Mode]Said{
		ModeDigest: digest,
		ModeNomail: say("command_go.nomail", list.Settings.Title),
		ModeEach:   say("command_go.each"),
	}[mode].In(lang)
	return answer, s.setMember(tx, a, mb, "", mode)
}

// askToConfirmCommand mails the member a confirmation for a command whose
// sender could not be verified; the change happens only when they answer.
func (s *Service) askToConfirmCommand(tx *store.Tx, list store.List, mb store.Membership, c Command) (string, error) {
	line := c.text()
	tok, err := s.newConfirmation(tx, &mb, TokenConfirmCommand, line)
	if err != nil {
		return "", err
	}
	subj, body, err := s.renderTx(tx, mb.Address, list.Name, "command-confirm", map[string]any{
		"Title": list.Settings.Title, "Address": mb.Address, "Command": line,
		"URL": s.o.PublicURL + "/confirm/" + tok, "Expires": s.clock.Now().Add(confirmTTL).Format("Mon 2 Jan 2006"),
		"ExpiresAt": s.clock.Now().Add(confirmTTL),
	})
	if err != nil {
		return "", err
	}
	if err := s.queueNotice(tx, notice{List: list.Name, To: []string{mb.Address}, From: s.addr(list.Name, RoleRequest, ""),
		ReplyTo: s.addr(list.Name, RoleConfirm, tok), Subject: subj, Body: body}); err != nil {
		return "", err
	}
	return say("command_go.confirm_first", mb.Address).In(languageFor(tx, mb.Address, list.Name)), nil
}

// commandMode is the delivery mode "digest on" and "nomail on" choose.
var commandMode = map[CommandName]Mode{cmdDigest: ModeDigest, cmdNomail: ModeNomail}

// pendingCommand is the command mb's outstanding confirmation would
// carry out ("" when it confirms something else, or is gone).
func (s *Service) pendingCommand(tx *store.Tx, mb store.Membership) string {
	t, err := tx.TokenByRef(mb.ConfirmToken)
	if err != nil || t.Kind != TokenConfirmCommand {
		return ""
	}
	return t.Data
}

// maxCommandConfirmsPerDay bounds the confirmation requests for email
// commands one member gets per list and day.
const maxCommandConfirmsPerDay = 5

// mayAskToConfirm counts one confirmation request for mb today and tells
// whether it is within maxCommandConfirmsPerDay.
func (s *Service) mayAskToConfirm(tx *store.Tx, mb store.Membership) bool {
	day := s.clock.Now().UTC().Format("2006-01-02")
	for i := range maxCommandConfirmsPerDay {
		key := fmt.Sprintf("confirm-cmd/%s/%s/%s/%d", mb.List, mb.Address, day, i)
		if !tx.JobDone(key) {
			return tx.MarkJob(key, s.clock.Now()) == nil
		}
	}
	return false
}

// firstAnswerToday tells whether a NAME-join@ or NAME-leave@ request from
// addr may be answered today (once a day per list, address and address
// kind), and marks it answered.
func (s *Service) firstAnswerToday(la ListAddress, addr string) bool {
	key := "join-leave-answer/" + la.List + "/" + string(la.Role) + "/" + addr + "/" + s.clock.Now().UTC().Format("2006-01-02")
	first := false
	err := s.st.Update(func(tx *store.Tx) error {
		if tx.JobDone(key) {
			return nil
		}
		first = true
		return tx.MarkJob(key, s.clock.Now())
	})
	return first && err == nil
}

func (s *Service) isModeratorTx(tx *store.Tx, list, addr string) bool {
	mb, err := tx.Membership(list, addr)
	return err == nil && mb.Status != StatusBanned && CanModerate(mb.Role)
}

func (s *Service) helpData(list store.List) map[string]any {
	return map[string]any{
		"Title": list.Settings.Title, "RequestAddress": s.addr(list.Name, RoleRequest, ""),
		"JoinAddress": s.addr(list.Name, RoleJoin, ""), "LeaveAddress": s.addr(list.Name, RoleLeave, ""),
		"OwnerAddress": s.addr(list.Name, RoleOwner, ""),
	}
}

func (s *Service) info(tx *store.Tx, list store.List, lang Lang) (string, error) {
	set := list.Settings
	n, err := MemberCount(tx, list.Name)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", set.Title, s.addr(list.Name, RolePost, ""))
	if set.Description != "" {
		fmt.Fprintf(&b, "%s\n", set.Description)
	}
	who := say("info_go.post_" + string(set.Posting))
	join := say("info_go.join_" + string(set.Subscribe))
	if list.Kind == KindCoalition {
		join = say("info_go.join_coalition")
	}
	b.WriteString(say("info_go.who_how", who, join).In(lang) + "\n")
	if set.Capacity > 0 {
		b.WriteString(say("info_go.seats", set.Capacity).In(lang) + "\n")
	}
	if set.RequireGoodStanding {
		b.WriteString(say("info_go.standing").In(lang) + "\n")
	}
	b.WriteString(say("info_go.members", n, s.addr(list.Name, RoleOwner, "")).In(lang))
	return b.String(), nil
}

// who lists the roster for a member who asked. It is only ever mailed to
// the member's own address (the From of the request), so even a forged
// request never shows a caucus roster to an outsider.
func (s *Service) who(tx *store.Tx, list store.List, lang Lang) (string, error) {
	var b strings.Builder
	n := 0
	err := tx.EachMember(list.Name, func(m store.Membership) error {
		if !Deliverable(m) && m.Status != StatusDisabled {
			return nil
		}
		name := ""
		if p, err := tx.Person(m.Address); err == nil {
			name = p.Name
		}
		n++
		role := ""
		if m.Role != ListMember {
			role = " (" + say("role."+string(m.Role)).In(lang) + ")"
		}
		fmt.Fprintf(&b, "  %s%s\n", displayAddress(name, m.Address), role)
		return nil
	})
	return say("who_go.members", n, list.Settings.Title).In(lang) + "\n" + strings.TrimRight(b.String(), "\n"), err
}

// commandWords are the spellings suggestCommand compares a typo with.
var commandWords = []string{"subscribe", "unsubscribe", "digest on", "digest off", "digest plain", "digest html", "digest daily", "digest weekly", "mute", "unmute", "topics all", "nomail on", "nomail off", "password", "help", "info", "who", "org leave"}

// suggestCommand offers the command a mistyped line was probably meant to
// be ("digets on" -> "digest on"), or "".
func suggestCommand(line string) Said {
	l := strings.ToLower(strings.TrimSpace(line))
	if strings.HasPrefix(l, string(cmdDelegate)) {
		return say("command_go.delegate_how")
	}
	if len(l) < 3 || len(l) > 20 {
		return Said{}
	}
	for _, w := range commandWords {
		if editDistance(l, w) <= 2 {
			return say("command_go.did_you_mean", w)
		}
	}
	return Said{}
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
