package listserv

import "minyan/store"

// Render renders one of the mail texts in templates/ (name without
// ".txt") for packages that write their own mail, such as digest, with
// the owner's overrides in DATA_DIR/templates applied like for every other
// mail minyan sends, in the list's language. It returns the Subject from
// the template's first line and the body after it.
func (s *Service) Render(list, name string, data any) (subject, body string, err error) {
	return s.render(list, name, data)
}

// RenderTo is Render for mail to one person, in their language.
func (s *Service) RenderTo(addr, list, name string, data any) (subject, body string, err error) {
	return s.renderTo(addr, list, name, data)
}

// RenderIn is Render in language l (for a text that goes to many people
// at once in the list's language, such as a digest).
func (s *Service) RenderIn(l Lang, list, name string, data any) (subject, body string, err error) {
	return s.renderIn(l, list, name, data)
}

// RenderTx is RenderTo inside transaction tx (it opens none of its own).
func (s *Service) RenderTx(tx *store.Tx, addr, list, name string, data any) (subject, body string, err error) {
	return s.renderTx(tx, addr, list, name, data)
}
