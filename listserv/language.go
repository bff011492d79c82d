package listserv

import (
	"minyan/listserv/i18n"
	"minyan/store"
)

// LanguageFor is the language minyan writes in to addr about list: the
// person's own choice (their profile's lang), else the list's language
// setting, else English. list may be "" for mail about no list (a
// sign-in link) and addr "" for no one in particular.
func (s *Service) LanguageFor(addr, list string) Lang {
	var l Lang
	_ = s.st.View(func(tx *store.Tx) error {
		l = languageFor(tx, NormalizeAddress(addr), list)
		return nil
	})
	return l
}

func languageFor(tx *store.Tx, addr, list string) Lang {
	if addr != "" {
		if p, err := tx.Profile(addr); err == nil {
			if l, ok := i18n.Parse(p.Lang); ok {
				return l
			}
		}
	}
	if list != "" {
		if l, err := tx.List(list); err == nil {
			return Lang(l.Settings.Language).Or(LangEnglish)
		}
	}
	return LangEnglish
}

// PersonLang is the language a person chose for themselves, "" when
// they chose none (the web then asks their browser).
func (s *Service) PersonLang(addr string) Lang {
	var l Lang
	_ = s.st.View(func(tx *store.Tx) error {
		if p, err := tx.Profile(NormalizeAddress(addr)); err == nil {
			l, _ = i18n.Parse(p.Lang)
		}
		return nil
	})
	return l
}
