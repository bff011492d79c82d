package listserv

import "minyan/store"

// mailPassword makes a new IMAP app password for a member and mails it to
// their own address (never to anyone else, whoever asked). It runs
// outside any transaction: storing the hash is its own write.
func (s *Service) mailPassword(listName, addr string) (string, error) {
	pw, err := s.issueAppPassword(addr, true)
	if err != nil {
		return "", err
	}
	list, err := s.loadList(listName)
	if err != nil {
		return "", err
	}
	subj, body, err := s.renderTo(addr, listName, "password", map[string]any{
		"Title": list.Settings.Title, "Address": addr, "Password": pw,
		"IMAPServer": or(s.o.IMAPServer, "(ask the list owners)"), "RequestAddress": s.addr(listName, RoleRequest, ""),
	})
	if err != nil {
		return "", err
	}
	err = s.st.Update(func(tx *store.Tx) error {
		return s.queueNotice(tx, notice{List: listName, To: []string{addr}, From: s.addr(listName, RoleRequest, ""), Subject: subj, Body: body})
	})
	if err != nil {
		return "", err
	}
	return say("command_go.password_sent", addr).In(s.LanguageFor(addr, listName)), nil
}
